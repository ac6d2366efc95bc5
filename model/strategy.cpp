// SPDX-License-Identifier: Apache-2.0
// Strategy dispatch by name, placement helpers and the small kernels the strategies share.
#include "model/strategy.hpp"

#include <map>
#include <numeric>
#include <stdexcept>

#include "model/strategies/decode_strategies.hpp"

namespace clustersim::model {

std::vector<std::vector<int>> Placement::ranks_by_node() const {
  std::vector<std::vector<int>> groups;
  std::map<int, std::size_t> group_of_node;
  for (int rank = 0; rank < size(); ++rank) {
    auto [it, inserted] = group_of_node.try_emplace(node_of_rank[rank], groups.size());
    if (inserted) groups.emplace_back();
    groups[it->second].push_back(rank);
  }
  return groups;
}

std::string StrategySpec::label() const {
  std::string label = name;
  if (fuse_sums && name.rfind("tree", 0) == 0) label += "+fused";
  if (!output_on_all && name == "ring") label += "+output_one";
  return label;
}

std::vector<std::string> strategy_names() { return {"single", "tree", "tree_topology_aware", "ring"}; }

std::vector<OpId> add_decode_attention(TaskGraph& graph, const StrategySpec& spec, const AttentionShape& shape,
                                       const Placement& placement, const AttentionStep& step) {
  if (placement.size() < 1) throw std::invalid_argument("a decode plan needs at least one device");
  const OpId first = static_cast<OpId>(graph.ops().size());
  std::vector<OpId> done;
  if (spec.name == "single") done = add_single_device(graph, shape, placement, step);
  else if (spec.name == "tree") done = add_tree(graph, shape, placement, step, spec.fuse_sums);
  else if (spec.name == "tree_topology_aware") done = add_tree_topology_aware(graph, shape, placement, step, spec.fuse_sums);
  else if (spec.name == "ring") done = add_ring(graph, shape, placement, step, spec.output_on_all);
  else throw std::invalid_argument("unknown strategy '" + spec.name + "'");
  graph.set_category(first, static_cast<OpId>(graph.ops().size()), "attention");
  return done;
}

std::vector<MemoryUse> decode_attention_memory(const StrategySpec& spec, const AttentionShape& shape,
                                               const Placement& placement) {
  if (spec.name == "single") return single_device_memory(shape);
  if (spec.name == "ring") return ring_memory(shape, placement);
  return tree_memory(shape, placement);
}

DecodePlan plan_decode(const StrategySpec& spec, const AttentionShape& shape, const Placement& placement) {
  DecodePlan plan;
  add_decode_attention(plan.graph, spec, shape, placement, {});
  plan.memory = decode_attention_memory(spec, shape, placement);
  return plan;
}

std::vector<OpId> query_ready(TaskGraph& g, const AttentionShape& shape, const Placement& placement,
                              const AttentionStep& step) {
  if (!step.broadcast_query) return step.after;
  return after(g.broadcast(step.prefix + "broadcast_query", all_ranks(placement), placement.size() - 1,
                           shape.query_bytes(), step.after));
}

std::vector<int> all_ranks(const Placement& placement) {
  std::vector<int> ranks(placement.size());
  std::iota(ranks.begin(), ranks.end(), 0);
  return ranks;
}

double numerator_bytes(const AttentionShape& shape) {
  return static_cast<double>(shape.batch) * shape.hidden() * bytes_of(shape.partials_dtype);
}

double statistic_bytes(const AttentionShape& shape) {
  return static_cast<double>(shape.batch) * shape.heads * bytes_of(shape.partials_dtype);
}

namespace kernels {

KernelCost partial_attention(const AttentionShape& shape, double tokens) {
  return {shape.attention_flops(tokens), shape.attention_hbm_bytes(tokens)};
}

KernelCost rescale(const AttentionShape& shape) {
  const double elements = static_cast<double>(shape.batch) * (shape.hidden() + shape.heads);
  return {2 * elements, 2 * elements * bytes_of(shape.partials_dtype)};
}

KernelCost normalize(const AttentionShape& shape) {
  const double elements = static_cast<double>(shape.batch) * shape.hidden();
  return {elements, 2 * elements * bytes_of(shape.partials_dtype)};
}

KernelCost merge(const AttentionShape& shape) {
  const double elements = static_cast<double>(shape.batch) * shape.hidden();
  return {4 * elements, 2 * elements * bytes_of(shape.partials_dtype)};
}

}  // namespace kernels
}  // namespace clustersim::model
