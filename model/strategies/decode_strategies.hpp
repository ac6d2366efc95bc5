// SPDX-License-Identifier: Apache-2.0
// The decode strategies, one per file in this folder; model/strategy.cpp dispatches by name.
// Internal to model/: callers use plan_decode().
#pragma once

#include <functional>
#include <string>

#include "model/strategy.hpp"

namespace clustersim::model {

/// Adds an allreduce of `bytes` named after `what` over all ranks to the graph, returning the ops
/// after which every rank holds the result.
using AllreduceStep = std::function<std::vector<OpId>(TaskGraph& g, const std::string& what, double bytes,
                                                      ReduceOp op, std::vector<OpId> deps)>;

/// Tree decode with its three combines done by `allreduce` (flat, or node-first).
DecodePlan decode_tree_with(const AttentionShape& shape, const Placement& placement, bool fuse_sums,
                            const AllreduceStep& allreduce);

DecodePlan decode_single_device(const AttentionShape& shape, const Placement& placement);
DecodePlan decode_tree(const AttentionShape& shape, const Placement& placement, bool fuse_sums);
DecodePlan decode_tree_topology_aware(const AttentionShape& shape, const Placement& placement, bool fuse_sums);
DecodePlan decode_ring(const AttentionShape& shape, const Placement& placement, bool output_on_all);

/// Costs shared by the strategies: the per-element kernels of the softmax combine.
namespace kernels {
/// Partial attention of the query over `tokens` keys, flash-decoding style (output + lse).
KernelCost partial_attention(const AttentionShape& shape, double tokens);
/// Rescale numerator and denominator by exp(lse - max): b·(d + n_h) elements read and written.
KernelCost rescale(const AttentionShape& shape);
/// Output = numerator / denominator: b·d elements read and written.
KernelCost normalize(const AttentionShape& shape);
/// Merge one chunk's (output, lse) into the running accumulator: b·d elements read and written.
KernelCost merge(const AttentionShape& shape);
}  // namespace kernels

/// Bytes of the softmax statistics exchanged by tree decode, in the partials type:
/// numerator b·d, denominator b·n_h, max b·n_h (Tree Attention Eq. 12–14).
double numerator_bytes(const AttentionShape& shape);
double statistic_bytes(const AttentionShape& shape);

/// 0..p-1
std::vector<int> all_ranks(const Placement& placement);

}  // namespace clustersim::model
