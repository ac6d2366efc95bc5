// SPDX-License-Identifier: Apache-2.0
// Rabenseifner's allreduce (Thakur, Rabenseifner, Gropp 2005), as Open MPI's base
// allreduce_intra_redscat_allgather runs it: with q the largest power of two <= p and r = p - q,
//   1. the first 2r ranks pair up: they swap halves (S/2 each way), the odd one sends its
//      reduced half to the even one (S/2) and sits out;
//   2. reduce-scatter among the q ranks by recursive halving: log2 q exchanges of S/2, S/4, ...
//      with the rank at distance 1, 2, 4, ...;
//   3. allgather by recursive doubling, the same exchanges in reverse order (..., S/4, S/2);
//   4. each even rank among the first 2r sends the whole result to the odd one beside it.
// Uncontended, route latency α, bandwidth B: T = 2·log2(q)·α + 2·(q-1)/q·S/B, plus
// 2·(α + S/(2B)) + (α + S/B) when p is not a power of two. The survivors of step 1 are the even
// ranks (Open MPI's choice here, unlike recursive doubling's odd ones).
#include "sim/collectives/schedule.hpp"

#include <vector>

namespace clustersim::sim {

Schedule allreduce_rabenseifner(const GroupLayout& group, int index, double bytes) {
  const int p = group.size();
  const int q = largest_power_of_two(p);
  const int extra = p - q;
  Schedule steps;
  const bool folded = index < 2 * extra;
  const double half = bytes / 2;
  if (folded && index % 2 == 1) {  // swaps halves, returns its reduced half, gets the result
    steps.push_back({.sends = {{index - 1, half}}, .recvs = {{index - 1, half}}});
    steps.push_back({.sends = {{index - 1, half}}});
    steps.push_back({.recvs = {{index - 1, bytes}}});
    return steps;
  }
  if (folded) {
    steps.push_back({.sends = {{index + 1, half}}, .recvs = {{index + 1, half}}});
    steps.push_back({.recvs = {{index + 1, half}}});
  }
  const int virtual_rank = folded ? index / 2 : index - extra;
  auto real = [&](int v) { return v < extra ? 2 * v : v + extra; };
  std::vector<int> peers;
  for (int mask = 1; mask < q; mask *= 2) peers.push_back(real(virtual_rank ^ mask));
  double window = bytes;
  for (int peer : peers) {  // recursive halving
    window /= 2;
    steps.push_back({.sends = {{peer, window}}, .recvs = {{peer, window}}});
  }
  for (auto peer = peers.rbegin(); peer != peers.rend(); ++peer) {  // recursive doubling
    steps.push_back({.sends = {{*peer, window}}, .recvs = {{*peer, window}}});
    window *= 2;
  }
  if (folded) steps.push_back({.sends = {{index + 1, bytes}}});
  return steps;
}

}  // namespace clustersim::sim
