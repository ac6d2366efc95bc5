// SPDX-License-Identifier: Apache-2.0
// What the live rank programs (clustersim_live_cpu's rank 0, clustersim_live_gpu) report: one
// JSON line on stdout (programs/rank_common/report_line.hpp) with the time of every timed step (the
// slowest device's) and the output check against the reference.
#pragma once

#include <string>
#include <vector>

#include "common/statistics.hpp"
#include "programs/rank_common/report_line.hpp"

namespace clustersim::live {

struct RankReport {
  std::vector<double> rep_seconds;  ///< one per timed repetition, in order
  double max_relative_error = 0;    ///< of the worst rank's output against the reference
  double tolerance = 0;
  int ranks = 0;
  /// The decode kernel alone, timed between the steps (the CPU backend reports it): one per
  /// timed step, the slowest rank's, on shards of kernel_tokens tokens; empty otherwise.
  std::vector<double> kernel_seconds;
  long long kernel_tokens = 0;
  /// For ring, one rotation of the shards alone, likewise, and the bytes a rank sent; empty otherwise.
  std::vector<double> rotation_seconds;
  double rotation_bytes = 0;
  std::vector<TimelineSlice> timeline;  ///< the last timed step, when the program was asked for it
};

/// Finds and reads the report line in the job's stdout (other lines are ignored).
/// Throws: std::runtime_error quoting the output when there is no well-formed report.
RankReport parse_rank_report(const std::string& stdout_text);

}  // namespace clustersim::live
