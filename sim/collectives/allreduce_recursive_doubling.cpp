// SPDX-License-Identifier: Apache-2.0
// Recursive doubling allreduce, as Open MPI's base allreduce runs it: with q the largest power of
// two <= p and r = p - q, the first 2r ranks pair up (even i hands its whole vector to i+1 and
// sits out), the q remaining ranks exchange the whole vector with the rank at distance 1, 2, 4,
// ... (log2 q exchanges), then each odd rank among the first 2r hands the result back to i-1.
// Uncontended, with route latency α and bandwidth B: T = log2(q)·(α + S/B), plus 2·(α + S/B)
// when p is not a power of two. Every message carries the whole vector S.
//
//   p = 3 (q = 2, r = 1):  0 -> 1;  1 <-> 2;  1 -> 0
#include "sim/collectives/schedule.hpp"

namespace clustersim::sim {

Schedule allreduce_recursive_doubling(const GroupLayout& group, int index, double bytes) {
  const int p = group.size();
  const int q = largest_power_of_two(p);
  const int extra = p - q;
  Schedule steps;
  const bool folded = index < 2 * extra;
  if (folded && index % 2 == 0) {  // hands its vector over, gets the result back
    steps.push_back({.sends = {{index + 1, bytes}}});
    steps.push_back({.recvs = {{index + 1, bytes}}});
    return steps;
  }
  if (folded) steps.push_back({.recvs = {{index - 1, bytes}}});
  const int virtual_rank = folded ? index / 2 : index - extra;
  for (int distance = 1; distance < q; distance *= 2) {
    const int peer_virtual = virtual_rank ^ distance;
    const int peer = peer_virtual < extra ? 2 * peer_virtual + 1 : peer_virtual + extra;
    steps.push_back({.sends = {{peer, bytes}}, .recvs = {{peer, bytes}}});
  }
  if (folded) steps.push_back({.sends = {{index - 1, bytes}}});
  return steps;
}

}  // namespace clustersim::sim
