// SPDX-License-Identifier: Apache-2.0
// KV offload × tree attention: every device keeps its KV shard, or a share of it, in the host
// memory of its nearest cpu and fetches it layer by layer ahead of its partial attention
// (strategy_parts/kv_offload.cpp); the partials combine as in tree decode. Devices behind one
// host link or one cpu share its bandwidth.
#include "model/strategy_parts/strategy_parts.hpp"

namespace clustersim::model {

const Strategy& strategy_offload_tree() {
  static const Strategy offload_tree{
      .name = "offload_tree",
      .long_name = "KV offload x tree attention",
      .summary = "tree attention with each device's KV shard in its host's memory, fetched layer by layer",
      .options = with_kv_offload_options(strategy_tree().options),
      .add =
          [](TaskGraph& g, const StrategySpec& spec, const AttentionShape& shape, const Placement& placement,
             const AttentionStep& step) {
            return strategy_tree().add(g, spec, shape, placement, add_kv_fetch(g, spec, shape, placement, step));
          },
      .memory =
          [](const StrategySpec& spec, const AttentionShape& shape, const Placement& placement) {
            return kv_offload_memory(strategy_tree().memory(spec, shape, placement), spec);
          },
      .kv_residence = kv_offload_residence,
      .compared_with = "tree",
  };
  return offload_tree;
}

}  // namespace clustersim::model
