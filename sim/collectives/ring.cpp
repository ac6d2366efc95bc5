// SPDX-License-Identifier: Apache-2.0
// Ring collectives. Allreduce = reduce-scatter + allgather: 2(p-1) steps; at every step each rank
// sends S/p to its successor and receives S/p from its predecessor. Uncontended, with per-step latency α
// and per-rank bandwidth B: T = 2(p-1)·α + 2(p-1)/p · S/B, busbw factor 2(p-1)/p (nccl-tests
// doc/PERFORMANCE.md).
#include "sim/collectives/schedule.hpp"

namespace clustersim::sim {
namespace {

Schedule ring_steps(const GroupLayout& group, int index, double bytes, int count) {
  const int p = group.size();
  Schedule steps(count);
  for (Step& step : steps) {
    step.sends.push_back({(index + 1) % p, bytes / p});
    step.recvs.push_back({(index + p - 1) % p, bytes / p});
  }
  return steps;
}

}  // namespace

Schedule allreduce_ring(const GroupLayout& group, int index, double bytes) {
  return ring_steps(group, index, bytes, 2 * (group.size() - 1));
}

// Allgather: p-1 steps passing S/p pieces; busbw factor (p-1)/p.
Schedule allgather_ring(const GroupLayout& group, int index, double bytes) {
  return ring_steps(group, index, bytes, group.size() - 1);
}

// Reduce-scatter: p-1 steps reducing S/p pieces; busbw factor (p-1)/p.
Schedule reduce_scatter_ring(const GroupLayout& group, int index, double bytes) {
  return ring_steps(group, index, bytes, group.size() - 1);
}

}  // namespace clustersim::sim
