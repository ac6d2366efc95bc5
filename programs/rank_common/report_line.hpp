// SPDX-License-Identifier: Apache-2.0
// The one JSON line a live rank program prints on stdout (read back by live/rank_report.hpp):
// the time of every timed step, the slowest device's, and the output check against the reference.
#pragma once

#include <string>
#include <vector>

namespace clustersim::live {

/// One piece of one device's timed step, for `live --trace`: named as the simulator names the
/// task-graph op it stands for, so a measured and a simulated trace line up.
struct TimelineSlice {
  int rank = 0;
  std::string name;    ///< e.g. partial_attention, allreduce_max_lse, attend_chunk_1, kv_hop_0
  std::string kind;    ///< compute, send, recv or collective
  double start_s = 0;  ///< from the step's start on that device
  double end_s = 0;
  double bytes = 0;
};

struct ReportLine {
  std::string program;  ///< clustersim_live_cpu or clustersim_live_gpu
  std::string strategy;
  int ranks = 1;  ///< devices the step ran on
  long long context = 0;
  std::string dtype;  ///< storage type of K, V and q; omitted when empty (the CPU's fp32)
  int warmup = 0;
  double max_relative_error = 0;  ///< NaN when an output was NaN: written as null
  double tolerance = 0;
  std::vector<double> rep_seconds;
  /// The decode kernel alone on each rank's shard, timed between the steps: one per timed step,
  /// the slowest rank's (CPU backend; written only when not empty), and that shard's tokens.
  std::vector<double> kernel_seconds;
  long long kernel_tokens = 0;
  /// For ring, one rotation of the shards alone, timed the same way, and the bytes a rank sent.
  std::vector<double> rotation_seconds;
  double rotation_bytes = 0;
  std::vector<TimelineSlice> timeline;  ///< the last timed step; written only when not empty
};

/// The line, without a newline.
std::string format_report_line(const ReportLine& report);

}  // namespace clustersim::live
