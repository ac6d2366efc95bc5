// SPDX-License-Identifier: Apache-2.0
// Tree attention decode (Shyam et al., 2024, Alg. 3): K/V stay sharded along the sequence; the
// query is broadcast; every device computes a partial attention with its log-sum-exp; three
// allreduces — max of lse, sum of numerators, sum of denominators — combine them. Communication
// is independent of the context length: 2(p-1)/p·(b·d + 2·b·n_h) elements with a ring allreduce.
#include "model/strategy_parts/strategy_parts.hpp"

namespace clustersim::model {
namespace {

std::vector<OpId> add_tree(TaskGraph& g, const StrategySpec& spec, const AttentionShape& shape,
                           const Placement& placement, const AttentionStep& step) {
  const std::vector<int> ranks = all_ranks(placement);
  return add_tree_with(g, shape, placement, step, spec.flag("fuse_sums"),
                       [&](TaskGraph& graph, const std::string& prefix, const std::string& what, double bytes,
                           ReduceOp op, std::vector<OpId> deps) {
                         return after(graph.allreduce(prefix + "allreduce_" + what, ranks, bytes, op, std::move(deps)));
                       });
}

}  // namespace

const Strategy& strategy_tree() {
  static const Strategy tree{
      .name = "tree",
      .long_name = "tree attention",
      .summary = "Tree Attention: partial attention on each KV shard, softmax statistics combined by allreduce",
      .options = {fuse_sums_option()},
      .add = add_tree,
      .memory = [](const StrategySpec&, const AttentionShape& shape,
                   const Placement& placement) { return tree_memory(shape, placement); },
      .live_args =
          [](const StrategySpec& spec) {
            std::vector<std::string> args{"--strategy", "tree"};
            if (spec.flag("fuse_sums")) args.push_back("--fuse-sums");
            return args;
          },
  };
  return tree;
}

}  // namespace clustersim::model
