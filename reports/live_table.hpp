// SPDX-License-Identifier: Apache-2.0
// The terminal table of a live run, nccl-tests style: '#' lines say what ran and where, then
// one row per case (median, fastest and slowest repetition, spread, output check), then a footer.
#pragma once

#include <string>

#include "schemas/results.hpp"

namespace clustersim::reports {

using results::CaseResult;
using results::CaseStatus;
using results::Results;

/// The whole table, header to footer, ending in a newline.
std::string format_live_table(const results::Results& results);

/// "(max − min) / median" of a live row's repetitions, as a percentage (0 without repetitions).
double spread_percent(const results::CaseResult& row);

}  // namespace clustersim::reports
