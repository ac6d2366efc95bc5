// SPDX-License-Identifier: Apache-2.0
// How the split-KV decode kernel cuts one sequence's keys into contiguous ranges, one per thread
// block. Plain C++17 (also compiled into device code, where CMake 3.25 offers no C++20), so the
// host tests can check that the ranges cover every key exactly once without a GPU.
#pragma once

#include <algorithm>
#include <cstdint>

#if defined(__CUDACC__)
#define CLUSTERSIM_HOST_DEVICE __host__ __device__
#else
#define CLUSTERSIM_HOST_DEVICE
#endif

namespace clustersim::kernels::cuda {

struct SplitKvPlan {
  std::int64_t tokens = 0;            ///< keys per sequence
  int splits = 1;                     ///< ranges, every one non-empty unless tokens == 0
  std::int64_t tokens_per_split = 1;  ///< every range but the last holds exactly this many
};

struct TokenRange {
  std::int64_t begin = 0;
  std::int64_t end = 0;  ///< one past the last key
};

/// Enough splits that `row_blocks` blocks per split (batch × kv-head groups) reach
/// `target_blocks` (one full wave on the GPU), but no range but the last shorter than
/// `min_tokens_per_split`, so short contexts are not cut into ranges whose partial-state writes
/// cost more than their keys.
/// Requires: row_blocks ≥ 1, min_tokens_per_split ≥ 1, tokens ≥ 0.
inline SplitKvPlan plan_split_kv(std::int64_t tokens, std::int64_t row_blocks, std::int64_t target_blocks,
                                 std::int64_t min_tokens_per_split) {
  const std::int64_t wanted = std::max<std::int64_t>(1, (target_blocks + row_blocks - 1) / row_blocks);
  // At most ⌊tokens/min⌋ splits, so that ⌈tokens/splits⌉ ≥ min.
  const std::int64_t most = std::max<std::int64_t>(1, tokens / min_tokens_per_split);
  const std::int64_t splits = std::min(wanted, most);
  const std::int64_t per_split = std::max<std::int64_t>(1, (tokens + splits - 1) / splits);
  // Rounding per_split up can leave trailing ranges empty; drop them.
  const std::int64_t used = std::max<std::int64_t>(1, (tokens + per_split - 1) / per_split);
  return {tokens, static_cast<int>(used), per_split};
}

/// The keys of range `split` (0 ≤ split < plan.splits).
CLUSTERSIM_HOST_DEVICE inline TokenRange split_tokens(const SplitKvPlan& plan, int split) {
  const std::int64_t begin = static_cast<std::int64_t>(split) * plan.tokens_per_split;
  const std::int64_t end = begin + plan.tokens_per_split < plan.tokens ? begin + plan.tokens_per_split : plan.tokens;
  return {begin < plan.tokens ? begin : plan.tokens, end};
}

}  // namespace clustersim::kernels::cuda
