// SPDX-License-Identifier: Apache-2.0
// The one JSON line a live rank program prints on stdout (read back by live/rank_report.hpp):
// the time of every timed step, the slowest device's, and the output check against the reference.
#pragma once

#include <string>
#include <vector>

namespace clustersim::live {

struct ReportLine {
  std::string program;  ///< clustersim_live_cpu or clustersim_live_gpu
  std::string strategy;
  int ranks = 1;        ///< devices the step ran on
  long long context = 0;
  std::string dtype;    ///< storage type of K, V and q; omitted when empty (the CPU's fp32)
  int warmup = 0;
  double max_relative_error = 0;  ///< NaN when an output was NaN: written as null
  double tolerance = 0;
  std::vector<double> rep_seconds;
};

/// The line, without a newline.
std::string format_report_line(const ReportLine& report);

}  // namespace clustersim::live
