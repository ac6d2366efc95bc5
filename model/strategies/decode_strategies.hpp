// SPDX-License-Identifier: Apache-2.0
// The decode strategies, one per file in this folder; model/strategy.cpp dispatches by name.
// Each adds its ops to a graph after the step's dependencies and returns its last ops, and says
// what each rank holds in memory. Internal to model/: callers use add_decode_attention().
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "model/strategy.hpp"

namespace clustersim::model {

std::vector<OpId> add_single_device(TaskGraph& g, const AttentionShape& shape, const Placement& placement,
                                    const AttentionStep& step);
std::vector<OpId> add_tree(TaskGraph& g, const AttentionShape& shape, const Placement& placement,
                           const AttentionStep& step, bool fuse_sums);
std::vector<OpId> add_tree_topology_aware(TaskGraph& g, const AttentionShape& shape, const Placement& placement,
                                          const AttentionStep& step, bool fuse_sums);
std::vector<OpId> add_ring(TaskGraph& g, const AttentionShape& shape, const Placement& placement,
                           const AttentionStep& step, bool output_on_all);

std::vector<MemoryUse> single_device_memory(const AttentionShape& shape);
std::vector<MemoryUse> tree_memory(const AttentionShape& shape, const Placement& placement);
std::vector<MemoryUse> ring_memory(const AttentionShape& shape, const Placement& placement);

/// Adds an allreduce of `bytes` over all ranks to the graph, its ops named `prefix` + something
/// with `what`, returning the ops after which every rank holds the result.
using AllreduceStep = std::function<std::vector<OpId>(TaskGraph& g, const std::string& prefix, const std::string& what,
                                                      double bytes, ReduceOp op, std::vector<OpId> deps)>;

/// Tree decode with its three combines done by `allreduce` (flat, or node-first).
std::vector<OpId> add_tree_with(TaskGraph& g, const AttentionShape& shape, const Placement& placement,
                                const AttentionStep& step, bool fuse_sums, const AllreduceStep& allreduce);

/// A ring rotation (ring_rotation.cpp): p-1 hops of `chunk_bytes` around `ranks`, with
/// `work(hop, i)` the kernel rank ranks[i] runs on the chunk in hand at that hop, if any.
struct RingRotation {
  std::vector<int> ranks;
  double chunk_bytes = 0;
  std::function<std::optional<KernelCost>(int hop, int index)> work;
  std::vector<OpId> work_after;    ///< what the first kernels wait for
  std::vector<OpId> rotate_after;  ///< what the first hop waits for
  std::string prefix;
  std::string work_name = "attend_chunk";
  std::string hop_name = "kv_hop";
};

/// Adds the rotation; returns its last kernels and hop.
std::vector<OpId> add_ring_rotation(TaskGraph& g, const RingRotation& ring);

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

/// The query broadcast from the rank with the newest token, or the step's own dependencies when
/// every rank computed the query: what the attention kernels wait for.
std::vector<OpId> query_ready(TaskGraph& g, const AttentionShape& shape, const Placement& placement,
                              const AttentionStep& step);

}  // namespace clustersim::model
