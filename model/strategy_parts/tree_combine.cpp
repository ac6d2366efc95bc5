// SPDX-License-Identifier: Apache-2.0
// Tree attention's combine (Shyam et al., 2024, Alg. 3): every device computes a partial
// attention on its shard with its log-sum-exp; three allreduces — max of lse, sum of numerators,
// sum of denominators — combine them, each done by the strategy's `allreduce` (flat or node-first).
#include "model/strategy_parts/strategy_parts.hpp"

namespace clustersim::model {

std::vector<OpId> add_tree_with(TaskGraph& g, const AttentionShape& shape, const Placement& placement,
                                const AttentionStep& step, bool fuse_sums, const AllreduceStep& allreduce) {
  const std::vector<int> ranks = all_ranks(placement);
  const std::vector<std::int64_t> tokens = shard_tokens(shape.context, placement.size());
  const std::string& at = step.prefix;

  std::vector<KernelCost> partial_cost, rescale_cost, normalize_cost;
  for (std::int64_t t : tokens) {
    partial_cost.push_back(kernels::partial_attention(shape, static_cast<double>(t)));
    rescale_cost.push_back(kernels::rescale(shape));
    normalize_cost.push_back(kernels::normalize(shape));
  }

  auto part = g.compute_each(at + "partial_attention", ranks, partial_cost, query_ready(g, shape, placement, step));
  auto max = allreduce(g, at, "max_lse", statistic_bytes(shape), ReduceOp::max, after(part));
  auto scaled = g.compute_each(at + "rescale", ranks, rescale_cost, max);
  std::vector<OpId> sums;
  if (fuse_sums) {
    sums = allreduce(g, at, "num_den", numerator_bytes(shape) + statistic_bytes(shape), ReduceOp::sum, after(scaled));
  } else {
    std::vector<OpId> num = allreduce(g, at, "numerator", numerator_bytes(shape), ReduceOp::sum, after(scaled));
    num.push_back(scaled);
    sums = allreduce(g, at, "denominator", statistic_bytes(shape), ReduceOp::sum, num);
  }
  return after(g.compute_each(at + "normalize", ranks, normalize_cost, sums));
}

std::vector<MemoryUse> tree_memory(const AttentionShape& shape, const Placement& placement) {
  // Eq. 9: the shard, the query, and the numerator, denominator and max being reduced.
  std::vector<MemoryUse> memory;
  for (std::int64_t t : shard_tokens(shape.context, placement.size()))
    memory.push_back({.kv_shard = shape.kv_bytes(static_cast<double>(t)),
                      .partials = numerator_bytes(shape) + 2 * statistic_bytes(shape),
                      .query_output = shape.query_bytes()});
  return memory;
}

StrategyOption fuse_sums_option() {
  return {.name = "fuse_sums",
          .values = {"false", "true"},
          .label_suffix = {{"true", "+fused"}},
          .help = "one allreduce for the numerators and denominators together"};
}

}  // namespace clustersim::model
