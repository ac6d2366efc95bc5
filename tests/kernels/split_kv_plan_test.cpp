// SPDX-License-Identifier: Apache-2.0
// The GPU decode kernel's cut of the keys into ranges, checked on the host: whatever the context,
// GPU size and shape, the ranges cover every key exactly once, none is empty, none is shorter
// than asked (but the last), and there are as many as one wave of blocks needs.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "kernels/cuda/split_kv_plan.hpp"

using namespace clustersim::kernels::cuda;

namespace {

/// Walks the ranges of `plan`: they must tile [0, tokens) in order, without gaps or overlaps.
void require_exact_cover(const SplitKvPlan& plan) {
  REQUIRE(plan.splits >= 1);
  std::int64_t next = 0;
  for (int s = 0; s < plan.splits; ++s) {
    const TokenRange r = split_tokens(plan, s);
    REQUIRE(r.begin == next);
    if (plan.tokens > 0) REQUIRE(r.end > r.begin);  // no empty range: every block has keys
    REQUIRE(r.end - r.begin <= plan.tokens_per_split);
    if (s + 1 < plan.splits) REQUIRE(r.end - r.begin == plan.tokens_per_split);
    next = r.end;
  }
  REQUIRE(next == plan.tokens);
}

}  // namespace

TEST_CASE("split-KV ranges cover every key exactly once", "[kernels][split_kv]") {
  const std::vector<std::int64_t> contexts = {0, 1, 2, 7, 255, 256, 257, 1000, 4097, 65537, 1 << 20, 5'000'003};
  for (const std::int64_t tokens : contexts)
    for (const std::int64_t row_blocks : {1, 3, 8, 64, 4096})
      for (const std::int64_t target : {1, 37, 528, 1056})
        for (const std::int64_t min_tokens : {1, 256}) {
          INFO("tokens " << tokens << ", row blocks " << row_blocks << ", target " << target << ", min " << min_tokens);
          const SplitKvPlan plan = plan_split_kv(tokens, row_blocks, target, min_tokens);
          REQUIRE(plan.tokens == tokens);
          require_exact_cover(plan);
          if (plan.splits > 1) REQUIRE(plan.tokens_per_split >= min_tokens);
          REQUIRE(plan.splits <= (target + row_blocks - 1) / row_blocks);  // never more than one wave asks
        }
}

TEST_CASE("split-KV plans fill one wave at long contexts and stay whole at short ones", "[kernels][split_kv]") {
  // H100: 132 SMs × 4 resident blocks; Llama-3-8B attention at batch 1: 8 KV heads, one block each.
  const SplitKvPlan long_context = plan_split_kv(1 << 20, 8, 528, 256);
  CHECK(long_context.splits == 66);  // 66 × 8 = 528 blocks
  CHECK(long_context.splits * 8 >= 528);

  const SplitKvPlan short_context = plan_split_kv(1000, 8, 528, 256);
  CHECK(short_context.splits == 3);  // ⌊1000/256⌋: no range but the last shorter than 256 keys
  for (int s = 0; s + 1 < short_context.splits; ++s) {
    const TokenRange r = split_tokens(short_context, s);
    CHECK(r.end - r.begin >= 256);
  }

  // Enough sequences and heads to fill the GPU without splitting.
  CHECK(plan_split_kv(1 << 20, 4096, 528, 256).splits == 1);
  // A forced split of 37 (as the probe's check uses) over 1000 keys: 28 keys per range, 36 ranges.
  const SplitKvPlan forced = plan_split_kv(1000, 1, 37, 1);
  CHECK(forced.tokens_per_split == 28);
  CHECK(forced.splits == 36);
}
