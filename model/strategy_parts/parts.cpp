// SPDX-License-Identifier: Apache-2.0
// The small kernels and byte counts the strategies share (Tree Attention Eq. 12–14 for the
// softmax statistics), and the query broadcast that starts a decode step.
#include <numeric>

#include "model/strategy_parts/strategy_parts.hpp"

namespace clustersim::model {

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
