// SPDX-License-Identifier: Apache-2.0
// The parts the decode strategies (model/strategies/) are built from: the softmax-combine
// kernels, the tree combine, the ring rotation, the query broadcast. Internal to model/.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "model/strategy.hpp"

namespace clustersim::model {

/// Adds an allreduce of `bytes` over all ranks to the graph, its ops named `prefix` + something
/// with `what`, returning the ops after which every rank holds the result.
using AllreduceStep = std::function<std::vector<OpId>(TaskGraph& g, const std::string& prefix, const std::string& what,
                                                      double bytes, ReduceOp op, std::vector<OpId> deps)>;

/// Tree decode with its three combines done by `allreduce` (flat, or node-first).
std::vector<OpId> add_tree_with(TaskGraph& g, const AttentionShape& shape, const Placement& placement,
                                const AttentionStep& step, bool fuse_sums, const AllreduceStep& allreduce);

/// What each rank holds in tree decode (Eq. 9): its shard, the query, the statistics reduced.
std::vector<MemoryUse> tree_memory(const AttentionShape& shape, const Placement& placement);

/// The `fuse_sums` option of the tree strategies: numerators and denominators in one allreduce.
StrategyOption fuse_sums_option();

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

/// The strategies the compositions build on (model/strategies/single.cpp, tree.cpp, ring.cpp).
const Strategy& strategy_single();
const Strategy& strategy_tree();
const Strategy& strategy_ring();

/// `base`'s options followed by the KV offloading options.
std::vector<StrategyOption> with_kv_offload_options(std::vector<StrategyOption> base);

/// The `tier` option of the offloading strategies (kv_offload.cpp): memory (the host memory of
/// the device's nearest cpu) or disk (the disk beside that cpu), and the tier a spec names.
StrategyOption host_tier_option();
HostTier host_tier(const StrategySpec& spec);

/// KV offloading (kv_offload.cpp; FlexGen, DeepSpeed ZeRO-Inference): the options `fraction`
/// (the share of every layer's K and V kept in a host tier), `prefetch` (layers fetched ahead),
/// `buffers` (device buffers for fetched layers) and `tier`.
std::vector<StrategyOption> kv_offload_options();
/// The KV residence those options give.
KvResidence kv_offload_residence(const StrategySpec& spec);
/// Adds the copies of the layer's offloaded K and V into each rank (fetched ahead when the step
/// has a history) and the store of the new token's K and V to host memory; returns the step
/// with the fetches the attention must wait for added to `after`. Every rank holds
/// shard_tokens(context - 1, p) cached tokens (the newest token's K and V are computed on the
/// last rank); copies move the largest shard's share, padded as implementations do.
AttentionStep add_kv_fetch(TaskGraph& g, const StrategySpec& spec, const AttentionShape& shape,
                           const Placement& placement, const AttentionStep& step);
/// `memory` of one layer with the offloaded share of each rank's KV shard counted in the host
/// tier too: the device still holds the layer while it attends (one buffer).
std::vector<MemoryUse> kv_offload_memory(std::vector<MemoryUse> memory, const StrategySpec& spec);

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
