// SPDX-License-Identifier: Apache-2.0
// A collective sweep as nccl-tests prints it: the same columns, widths and units (time in µs,
// bandwidths in GB/s of 1e9 B), so that a predicted table reads, and diffs, against a measured one.
#pragma once

#include <string>

#include "schemas/collective_sweep.hpp"

namespace clustersim::reports {

/// The table with nccl-tests' header and "Avg bus bandwidth" line. The model has no in-place
/// variant, so both halves show the same time; #wrong is N/A (nothing is computed), as nccl-tests
/// prints it when run without checking (-c 0). Comment lines (#) above and below say what was
/// simulated and which algorithm and protocol each size ran with.
std::string format_nccl_tests_table(const results::CollectiveSweep& sweep);

/// A measured nccl-tests log against its simulation: per size the times, the prediction's error
/// and both bus bandwidths, then the median and largest |error|.
std::string format_collective_comparison(const results::CollectiveComparison& comparison);

}  // namespace clustersim::reports
