// SPDX-License-Identifier: Apache-2.0
// Single-device decode, the baseline: one flash-decoding kernel over the whole KV cache
// (Dao et al., Flash-Decoding: the KV split happens across SMs inside the GPU).
#include <stdexcept>

#include "model/strategies/decode_strategies.hpp"

namespace clustersim::model {

DecodePlan decode_single_device(const AttentionShape& shape, const Placement& placement) {
  if (placement.size() != 1) throw std::invalid_argument("strategy 'single' runs on exactly one device");
  DecodePlan plan;
  const double tokens = static_cast<double>(shape.context);
  plan.graph.compute_each("attention", {0}, {kernels::partial_attention(shape, tokens)});
  plan.memory.push_back({.kv_shard = shape.kv_bytes(tokens),
                         .partials = statistic_bytes(shape),
                         .query_output = shape.query_bytes() + numerator_bytes(shape)});
  return plan;
}

}  // namespace clustersim::model
