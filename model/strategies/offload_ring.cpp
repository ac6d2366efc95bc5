// SPDX-License-Identifier: Apache-2.0
// KV offload × ring attention: every device keeps its KV chunk, or a share of it, in the host
// memory of its nearest cpu and fetches it layer by layer (strategy_parts/kv_offload.cpp); the
// chunk then rotates around the ring as in ring decode, so a device sends its own chunk only once
// the fetch has brought it in. The chunks arriving from other devices stay on the device.
#include "model/strategy_parts/strategy_parts.hpp"

namespace clustersim::model {

const Strategy& strategy_offload_ring() {
  static const Strategy offload_ring{
      .name = "offload_ring",
      .long_name = "KV offload x ring attention",
      .summary = "ring attention with each device's KV chunk in its host's memory, fetched layer by layer",
      .options = with_kv_offload_options(strategy_ring().options),
      .add =
          [](TaskGraph& g, const StrategySpec& spec, const AttentionShape& shape, const Placement& placement,
             const AttentionStep& step) {
            return strategy_ring().add(g, spec, shape, placement, add_kv_fetch(g, spec, shape, placement, step));
          },
      .memory =
          [](const StrategySpec& spec, const AttentionShape& shape, const Placement& placement) {
            return kv_offload_memory(strategy_ring().memory(spec, shape, placement), spec);
          },
      .kv_residence = kv_offload_residence,
      .output_on_every_rank = [](const StrategySpec& spec) { return strategy_ring().output_on_every_rank(spec); },
      .moves_kv = true,
      .compared_with = "ring",
  };
  return offload_ring;
}

}  // namespace clustersim::model
