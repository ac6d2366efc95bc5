// SPDX-License-Identifier: Apache-2.0
// KV offload with full fetch on one device (FlexGen; DeepSpeed ZeRO-Inference): the KV cache, or
// a share of it, lives in the host memory of the device's nearest cpu and every layer's share is
// copied in over the host link before its attention, prefetched while earlier layers compute
// (strategy_parts/kv_offload.cpp). The attention itself is the single-device kernel.
#include "model/strategy_parts/strategy_parts.hpp"

namespace clustersim::model {

const Strategy& strategy_offload() {
  static const Strategy offload{
      .name = "offload",
      .long_name = "KV offload (full fetch)",
      .summary = "one device; K and V in host memory, every layer's copied in ahead of its attention",
      .options = kv_offload_options(),
      .ranks = RankUse::one,
      .add =
          [](TaskGraph& g, const StrategySpec& spec, const AttentionShape& shape, const Placement& placement,
             const AttentionStep& step) {
            return strategy_single().add(g, spec, shape, placement, add_kv_fetch(g, spec, shape, placement, step));
          },
      .memory =
          [](const StrategySpec& spec, const AttentionShape& shape, const Placement& placement) {
            return kv_offload_memory(strategy_single().memory(spec, shape, placement), spec);
          },
      .kv_residence = kv_offload_residence,
      .compared_with = "single",
  };
  return offload;
}

}  // namespace clustersim::model
