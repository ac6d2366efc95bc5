// SPDX-License-Identifier: Apache-2.0
// The CPU decode-attention kernel (kernels/cpu) timed against context length, run by `ranks`
// threads at once on their own KV shards as live ranks run it. A fit t = α + bytes/B over the
// sweep gives the kernel's fixed cost (the profile's launch overhead, α) and, against the
// measured per-rank memory bandwidth, its memory efficiency at each size.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "calibrate/benchmark_timer.hpp"
#include "calibrate/repeated.hpp"
#include "kernels/cpu/decode_attention.hpp"

namespace clustersim::calibrate {

struct DecodeSweepPlan {
  kernels::DecodeShape shape;          ///< tokens is set per context
  std::vector<std::int64_t> contexts;  ///< tokens per rank
  int ranks = 1;
  TimingPlan timing;
  /// Bytes read by all ranks together before a rank reads the same shard again: each rank cycles
  /// through enough copies of its shard for that. Twice the last-level cache keeps every call's
  /// K and V out of cache, as a decode step's are (each layer's cache is read once per token).
  double cold_bytes = 0;
};

struct DecodePoint {
  std::int64_t tokens = 0;
  double bytes = 0;  ///< model::AttentionShape::attention_hbm_bytes, fp32: what the simulator charges
  Repeated seconds;  ///< per call, all ranks running at once
};

struct DecodeSweepResult {
  double check_error = 0;  ///< max relative error against the double-precision reference
  bool check_passed = false;
  std::vector<DecodePoint> points;  ///< empty when the check failed: figures of a wrong kernel are not used
  std::string csv;
};

/// The correctness check's tolerance (max relative error), as the kernel's tests use.
inline constexpr double kDecodeCheckTolerance = 1e-4;

DecodeSweepResult measure_decode_attention(const DecodeSweepPlan& plan,
                                           const std::function<void(const std::string&)>& progress);

}  // namespace clustersim::calibrate
