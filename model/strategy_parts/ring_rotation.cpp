// SPDX-License-Identifier: Apache-2.0
// The ring pattern shared by ring attention's decode and prefill: K/V chunks rotate p-1 hops
// around the ranks; at hop h each rank works on the chunk that started h ranks before it,
// overlapped with the hop that brings the next one. Double buffering: hop h receives into the
// buffer of chunk h-1, so it waits for that chunk's hop and the work on it.
//
//   hop:      0          1          2
//   rank 0: [c0]--send->[c3]--send->[c2] ...   c_i = the chunk that started on rank i
//   rank 1: [c1]        [c0]        [c3]
#include "model/strategy_parts/strategy_parts.hpp"

namespace clustersim::model {

std::vector<OpId> add_ring_rotation(TaskGraph& g, const RingRotation& ring) {
  const int p = static_cast<int>(ring.ranks.size());
  // The kernels of hop h, on the ranks that have work then.
  auto work_at = [&](int hop, const std::vector<OpId>& deps) -> std::vector<OpId> {
    std::vector<int> working;
    std::vector<KernelCost> cost;
    for (int i = 0; i < p; ++i)
      if (const auto kernel = ring.work(hop, i)) {
        working.push_back(ring.ranks[i]);
        cost.push_back(*kernel);
      }
    if (working.empty()) return {};
    return {g.compute_each(ring.prefix + ring.work_name + "_" + std::to_string(hop), working, cost, deps)};
  };

  std::vector<OpId> compute = work_at(0, ring.work_after);
  std::vector<OpId> previous_compute;
  std::vector<OpId> hop;
  for (int h = 0; h + 1 < p; ++h) {
    std::vector<OpId> buffer_free = h == 0 ? ring.rotate_after : hop;
    buffer_free.insert(buffer_free.end(), previous_compute.begin(), previous_compute.end());
    hop = {g.shift(ring.prefix + ring.hop_name + "_" + std::to_string(h), ring.ranks, ring.chunk_bytes, buffer_free)};
    previous_compute = compute;
    std::vector<OpId> ready = hop;
    ready.insert(ready.end(), previous_compute.begin(), previous_compute.end());
    compute = work_at(h + 1, ready);
    if (compute.empty()) compute = previous_compute;  // nothing to do on this chunk: the last work stands
  }
  std::vector<OpId> done = compute;
  done.insert(done.end(), hop.begin(), hop.end());
  return done;
}

}  // namespace clustersim::model
