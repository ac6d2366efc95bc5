// SPDX-License-Identifier: Apache-2.0
// Single-device decode, the baseline: one flash-decoding kernel over the whole KV cache
// (Dao et al., Flash-Decoding: the KV split happens across SMs inside the GPU).
#include <stdexcept>

#include "model/strategies/decode_strategies.hpp"

namespace clustersim::model {

std::vector<OpId> add_single_device(TaskGraph& g, const AttentionShape& shape, const Placement& placement,
                                    const AttentionStep& step) {
  if (placement.size() != 1) throw std::invalid_argument("strategy 'single' runs on exactly one device");
  return after(g.compute_each(step.prefix + "attention", {0},
                              {kernels::partial_attention(shape, static_cast<double>(shape.context))}, step.after));
}

std::vector<MemoryUse> single_device_memory(const AttentionShape& shape) {
  return {{.kv_shard = shape.kv_bytes(static_cast<double>(shape.context)),
           .partials = statistic_bytes(shape),
           .query_output = shape.query_bytes() + numerator_bytes(shape)}};
}

}  // namespace clustersim::model
