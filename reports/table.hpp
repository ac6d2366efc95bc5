// SPDX-License-Identifier: Apache-2.0
// The terminal table of a run, in the manner of nccl-tests: '#' lines echo what was run, then
// one row per case with a units row, then a '#' footer — here the ring/tree latency ratio over
// context and GPU count, the comparison the tool exists to make.
#pragma once

#include <string>

#include "reports/results.hpp"

namespace clustersim::reports {

/// The whole table, header to footer, ending in a newline.
std::string format_table(const Results& results);

/// The end-to-end table: time to first token, per-token decode, total and whether it fits, for
/// the cases that name a model. Empty when none does.
std::string format_generation(const Results& results);

/// The footer matrix alone: ring latency / tree latency per context (rows) and topology and GPU
/// count (columns). Empty when the results do not hold both a `tree` and a `ring` strategy.
std::string format_ring_tree_ratio(const Results& results);

}  // namespace clustersim::reports
