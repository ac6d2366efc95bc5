// SPDX-License-Identifier: Apache-2.0
// Topology-aware tree decode: the same math as tree decode, but each allreduce is done in the
// order of the fabric — reduce inside every node onto its first GPU, allreduce among those
// leaders across nodes, broadcast back inside the node — so only one GPU per node touches the
// slow inter-node network (Tree Attention §5.3, Fig. 2).
#include "model/strategy_parts/strategy_parts.hpp"

namespace clustersim::model {
namespace {

/// Node-first allreduce; returns the ops after which every rank holds the result (its node's
/// broadcast, or the allreduce itself for a node of one).
std::vector<OpId> hierarchical_allreduce(TaskGraph& g, const std::string& name,
                                         const std::vector<std::vector<int>>& nodes, double bytes, ReduceOp op,
                                         const std::vector<OpId>& deps) {
  std::vector<int> leaders;
  std::vector<OpId> reduced;
  for (const auto& node : nodes) {
    leaders.push_back(node.front());
    if (node.size() > 1) reduced.push_back(g.reduce(name + "_reduce_in_node", node, node.front(), bytes, op, deps));
  }
  std::vector<OpId> combined = reduced.empty() ? deps : reduced;
  if (leaders.size() > 1) combined = {g.allreduce(name + "_across_nodes", leaders, bytes, op, combined)};
  std::vector<OpId> done = combined;
  for (const auto& node : nodes)
    if (node.size() > 1) done.push_back(g.broadcast(name + "_broadcast_in_node", node, node.front(), bytes, combined));
  return done;
}

std::vector<OpId> add_tree_topology_aware(TaskGraph& g, const StrategySpec& spec, const AttentionShape& shape,
                                          const Placement& placement, const AttentionStep& step) {
  const std::vector<std::vector<int>> nodes = placement.ranks_by_node();
  return add_tree_with(
      g, shape, placement, step, spec.flag("fuse_sums"),
      [&](TaskGraph& graph, const std::string& prefix, const std::string& what, double bytes, ReduceOp op,
          std::vector<OpId> deps) { return hierarchical_allreduce(graph, prefix + what, nodes, bytes, op, deps); });
}

}  // namespace

const Strategy& strategy_tree_topology_aware() {
  static const Strategy tree_topology_aware{
      .name = "tree_topology_aware",
      .long_name = "topology-aware tree attention",
      .summary = "tree attention with each allreduce done node first: reduce in nodes, allreduce across, broadcast",
      .options = {fuse_sums_option()},
      .add = add_tree_topology_aware,
      .memory = [](const StrategySpec&, const AttentionShape& shape,
                   const Placement& placement) { return tree_memory(shape, placement); },
  };
  return tree_topology_aware;
}

}  // namespace clustersim::model
