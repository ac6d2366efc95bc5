// SPDX-License-Identifier: Apache-2.0
// Memory bandwidth, STREAM style: copy (c = a) and triad (a = b + s·c) over fp64 arrays much
// larger than the last-level cache, run by 1, 2, … threads at once. The per-rank HBM figure
// of a CPU profile is the triad total when `ranks` threads run together, divided by ranks:
// what one rank gets while its neighbours stream too.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "calibrate/benchmark_timer.hpp"
#include "calibrate/repeated.hpp"

namespace clustersim::calibrate {

struct MemoryBandwidthPlan {
  std::vector<int> thread_counts;  ///< must include `ranks`
  int ranks = 1;
  double array_bytes = 0;  ///< each of the three arrays, split evenly over the threads
  TimingPlan timing;
};

struct MemoryBandwidthResult {
  Repeated per_rank_triad_Bps;  ///< triad total at `ranks` threads / ranks, per repetition
  std::string method;           ///< how it was measured, for the figure's source
  std::string csv;              ///< every repetition of every kernel and thread count
};

/// `progress` gets one line per kernel and thread count ("triad, 2 threads (4/4)").
MemoryBandwidthResult measure_memory_bandwidth(const MemoryBandwidthPlan& plan,
                                               const std::function<void(const std::string&)>& progress);

}  // namespace clustersim::calibrate
