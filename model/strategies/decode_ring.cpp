// SPDX-License-Identifier: Apache-2.0
// Ring attention decode (Liu et al., 2023, as used for decode by Tree Attention's baseline):
// K/V chunks rotate around the ring of devices for p-1 hops while each device attends to the
// chunk in hand, merging (output, lse) into a running accumulator. Double buffering: the hop that
// brings chunk h+1 overlaps the attention on chunk h, and the buffer of chunk h is reused for
// chunk h+2, so hop h+1 waits for both hop h and the compute on chunk h. Every device moves
// 2·b·(N/p)·n_kv·d_h elements per hop: communication grows with the context.
//
//   hop:      0          1          2
//   rank 0: [c0]--send->[c3]--send->[c2] ...   c_i = the chunk that started on rank i
//   rank 1: [c1]        [c0]        [c3]
#include <algorithm>

#include "model/strategies/decode_strategies.hpp"

namespace clustersim::model {

std::vector<OpId> add_ring(TaskGraph& g, const AttentionShape& shape, const Placement& placement,
                           const AttentionStep& step, bool output_on_all) {
  const int p = placement.size();
  const std::vector<int> ranks = all_ranks(placement);
  const std::vector<std::int64_t> tokens = shard_tokens(shape.context, p);
  const int newest = p - 1;
  const std::string& at = step.prefix;
  // Chunks differ by at most one token; every hop moves the largest (padded, as implementations do).
  const double chunk_bytes = shape.kv_bytes(static_cast<double>(*std::max_element(tokens.begin(), tokens.end())));
  // With the output on one device only the newest rank attends; the others only forward chunks.
  const std::vector<int> attending = output_on_all ? ranks : std::vector<int>{newest};

  auto chunk_cost = [&](int hop) {
    std::vector<KernelCost> cost;
    for (int rank : attending) {
      const int origin = ((rank - hop) % p + p) % p;
      KernelCost attend = kernels::partial_attention(shape, static_cast<double>(tokens[origin]));
      const KernelCost merge = kernels::merge(shape);
      cost.push_back({attend.flops + merge.flops, attend.hbm_bytes + merge.hbm_bytes});
    }
    return cost;
  };

  OpId compute = g.compute_each(at + "attend_chunk_0", attending, chunk_cost(0), query_ready(g, shape, placement, step));
  OpId previous_compute = -1;
  OpId hop = -1;
  for (int h = 0; h + 1 < p; ++h) {
    // Hop h receives into the buffer that held chunk h-1: that chunk's hop and attention are done.
    const std::vector<OpId> buffer_free = h == 0 ? step.after : after(hop, previous_compute);
    hop = g.shift(at + "kv_hop_" + std::to_string(h), ranks, chunk_bytes, buffer_free);
    previous_compute = compute;
    compute = g.compute_each(at + "attend_chunk_" + std::to_string(h + 1), attending, chunk_cost(h + 1),
                             after(hop, previous_compute));
  }
  return after(compute);
}

std::vector<MemoryUse> ring_memory(const AttentionShape& shape, const Placement& placement) {
  // Eq. 8: the shard, one incoming chunk, the query and the output; plus the running lse the
  // paper leaves out.
  const int p = placement.size();
  const std::vector<std::int64_t> tokens = shard_tokens(shape.context, p);
  const double chunk_bytes = shape.kv_bytes(static_cast<double>(*std::max_element(tokens.begin(), tokens.end())));
  std::vector<MemoryUse> memory;
  for (int rank = 0; rank < p; ++rank)
    memory.push_back({.kv_shard = shape.kv_bytes(static_cast<double>(tokens[rank])),
                      .receive_buffers = p > 1 ? chunk_bytes : 0,
                      .partials = statistic_bytes(shape),
                      .query_output = shape.query_bytes() + numerator_bytes(shape)});
  return memory;
}

}  // namespace clustersim::model
