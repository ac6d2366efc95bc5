// SPDX-License-Identifier: Apache-2.0
// Topology-aware tree decode: the same math as tree decode, but each allreduce is done in the
// order of the fabric — reduce inside every node onto its first GPU, allreduce among those
// leaders across nodes, broadcast back inside the node — so only one GPU per node touches the
// slow inter-node network (Tree Attention §5.3, Fig. 2).
#include "model/strategies/decode_strategies.hpp"

namespace clustersim::model {
namespace {

/// Node-first allreduce; returns the op after which every rank holds the result.
OpId hierarchical_allreduce(TaskGraph& g, const std::string& name, const std::vector<std::vector<int>>& nodes,
                            double bytes, ReduceOp op, std::vector<OpId> deps) {
  std::vector<int> leaders;
  std::vector<OpId> reduced;
  for (const auto& node : nodes) {
    leaders.push_back(node.front());
    if (node.size() > 1) reduced.push_back(g.reduce(name + "_reduce_in_node", node, node.front(), bytes, op, deps));
  }
  std::vector<OpId> combined = reduced.empty() ? deps : reduced;
  if (leaders.size() > 1) combined = {g.allreduce(name + "_across_nodes", leaders, bytes, op, combined)};
  OpId last = combined.empty() ? -1 : combined.back();
  for (const auto& node : nodes)
    if (node.size() > 1) last = g.broadcast(name + "_broadcast_in_node", node, node.front(), bytes, combined);
  return last;
}

}  // namespace

DecodePlan decode_tree_topology_aware(const AttentionShape& shape, const Placement& placement, bool fuse_sums) {
  if (placement.size() == 1) return decode_tree(shape, placement, fuse_sums);
  DecodePlan plan;
  TaskGraph& g = plan.graph;
  const std::vector<int> ranks = all_ranks(placement);
  const std::vector<std::vector<int>> nodes = placement.ranks_by_node();
  const std::vector<std::int64_t> tokens = shard_tokens(shape.context, placement.size());
  const int newest = placement.size() - 1;

  std::vector<KernelCost> partial_cost, rescale_cost, normalize_cost;
  for (std::int64_t t : tokens) {
    partial_cost.push_back(kernels::partial_attention(shape, static_cast<double>(t)));
    rescale_cost.push_back(kernels::rescale(shape));
    normalize_cost.push_back(kernels::normalize(shape));
  }

  auto q = g.broadcast("broadcast_query", ranks, newest, shape.query_bytes());
  auto part = g.compute_each("partial_attention", ranks, partial_cost, after(q));
  auto max = hierarchical_allreduce(g, "max_lse", nodes, statistic_bytes(shape), ReduceOp::max, after(part));
  auto scaled = g.compute_each("rescale", ranks, rescale_cost, after(max));
  OpId sums;
  if (fuse_sums) {
    sums = hierarchical_allreduce(g, "num_den", nodes, numerator_bytes(shape) + statistic_bytes(shape),
                                  ReduceOp::sum, after(scaled));
  } else {
    auto num = hierarchical_allreduce(g, "numerator", nodes, numerator_bytes(shape), ReduceOp::sum, after(scaled));
    sums = hierarchical_allreduce(g, "denominator", nodes, statistic_bytes(shape), ReduceOp::sum, after(scaled, num));
  }
  g.compute_each("normalize", ranks, normalize_cost, after(sums));

  for (std::int64_t t : tokens)
    plan.memory.push_back({.kv_shard = shape.kv_bytes(static_cast<double>(t)),
                           .partials = numerator_bytes(shape) + 2 * statistic_bytes(shape),
                           .query_output = shape.query_bytes()});
  return plan;
}

}  // namespace clustersim::model
