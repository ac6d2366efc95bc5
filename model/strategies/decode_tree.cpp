// SPDX-License-Identifier: Apache-2.0
// Tree attention decode (Shyam et al., 2024, Alg. 3): K/V stay sharded along the sequence; the
// query is broadcast; every device computes a partial attention with its log-sum-exp; three
// allreduces — max of lse, sum of numerators, sum of denominators — combine them. Communication
// is independent of the context length: 2(p-1)/p·(b·d + 2·b·n_h) elements with a ring allreduce.
#include "model/strategies/decode_strategies.hpp"

namespace clustersim::model {

DecodePlan decode_tree_with(const AttentionShape& shape, const Placement& placement, bool fuse_sums,
                            const AllreduceStep& allreduce) {
  DecodePlan plan;
  TaskGraph& g = plan.graph;
  const std::vector<int> ranks = all_ranks(placement);
  const std::vector<std::int64_t> tokens = shard_tokens(shape.context, placement.size());
  const int newest = placement.size() - 1;  // the last rank holds the newest token and its query

  std::vector<KernelCost> partial_cost, rescale_cost, normalize_cost;
  for (std::int64_t t : tokens) {
    partial_cost.push_back(kernels::partial_attention(shape, static_cast<double>(t)));
    rescale_cost.push_back(kernels::rescale(shape));
    normalize_cost.push_back(kernels::normalize(shape));
  }

  auto q = g.broadcast("broadcast_query", ranks, newest, shape.query_bytes());
  auto part = g.compute_each("partial_attention", ranks, partial_cost, after(q));
  auto max = allreduce(g, "max_lse", statistic_bytes(shape), ReduceOp::max, after(part));
  auto scaled = g.compute_each("rescale", ranks, rescale_cost, max);
  std::vector<OpId> sums;
  if (fuse_sums) {
    sums = allreduce(g, "num_den", numerator_bytes(shape) + statistic_bytes(shape), ReduceOp::sum, after(scaled));
  } else {
    std::vector<OpId> num = allreduce(g, "numerator", numerator_bytes(shape), ReduceOp::sum, after(scaled));
    num.push_back(scaled);
    sums = allreduce(g, "denominator", statistic_bytes(shape), ReduceOp::sum, num);
  }
  g.compute_each("normalize", ranks, normalize_cost, sums);

  // Eq. 9: the shard, the query, and the numerator, denominator and max being reduced.
  for (std::int64_t t : tokens)
    plan.memory.push_back({.kv_shard = shape.kv_bytes(static_cast<double>(t)),
                           .partials = numerator_bytes(shape) + 2 * statistic_bytes(shape),
                           .query_output = shape.query_bytes()});
  return plan;
}

DecodePlan decode_tree(const AttentionShape& shape, const Placement& placement, bool fuse_sums) {
  const std::vector<int> ranks = all_ranks(placement);
  return decode_tree_with(shape, placement, fuse_sums,
                          [&](TaskGraph& g, const std::string& what, double bytes, ReduceOp op, std::vector<OpId> deps) {
                            return after(g.allreduce("allreduce_" + what, ranks, bytes, op, std::move(deps)));
                          });
}

}  // namespace clustersim::model
