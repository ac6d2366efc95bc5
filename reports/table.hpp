// SPDX-License-Identifier: Apache-2.0
// The terminal table of a run, in the manner of nccl-tests: '#' lines echo what was run, then
// one row per case with a units row, then a '#' footer — here the ring/tree latency ratio over
// context and GPU count, the comparison the tool exists to make.
#pragma once

#include <string>

#include "schemas/results.hpp"

namespace clustersim::reports {

using results::CaseResult;
using results::CaseStatus;
using results::Results;

/// The whole table, header to footer, ending in a newline.
std::string format_table(const Results& results);

/// The end-to-end table: time to first token, per-token decode, total and whether it fits, for
/// the cases that name a model. Empty when none does.
std::string format_generation(const Results& results);

/// One strategy's latency over the one it is compared with (its descriptor's compared_with).
struct LatencyRatio {
  const model::Strategy* strategy;
  const model::Strategy* base;
  std::string title;   ///< e.g. "Ring / tree latency ratio"
  std::string matrix;  ///< the ratio per context (rows) and topology and GPU count (columns)
};

/// The footer matrices: one per strategy compared with another, when the results hold both.
std::vector<LatencyRatio> latency_ratios(const Results& results);

}  // namespace clustersim::reports
