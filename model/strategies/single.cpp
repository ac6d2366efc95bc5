// SPDX-License-Identifier: Apache-2.0
// Single-device decode, the baseline: one flash-decoding kernel over the whole KV cache
// (Dao et al., Flash-Decoding: the KV split happens across SMs inside the GPU).
#include <stdexcept>

#include "model/strategy_parts/strategy_parts.hpp"

namespace clustersim::model {
namespace {

std::vector<OpId> add_single_device(TaskGraph& g, const StrategySpec&, const AttentionShape& shape,
                                    const Placement& placement, const AttentionStep& step) {
  if (placement.size() != 1) throw std::invalid_argument("strategy 'single' runs on exactly one device");
  return after(g.compute_each(step.prefix + "attention", {0},
                              {kernels::partial_attention(shape, static_cast<double>(shape.context))}, step.after));
}

std::vector<MemoryUse> single_device_memory(const StrategySpec&, const AttentionShape& shape, const Placement&) {
  return {{.kv_shard = shape.kv_bytes(static_cast<double>(shape.context)),
           .partials = statistic_bytes(shape),
           .query_output = shape.query_bytes() + numerator_bytes(shape)}};
}

}  // namespace

const Strategy& strategy_single() {
  static const Strategy single{
      .name = "single",
      .long_name = "single-device attention",
      .summary = "one flash-decoding kernel over the whole KV cache on one device: the baseline",
      .ranks = RankUse::one,
      .add = add_single_device,
      .memory = single_device_memory,
      .live_args =
          [](const StrategySpec&) {
            return std::vector<std::string>{"--strategy", "single"};
          },
  };
  return single;
}

}  // namespace clustersim::model
