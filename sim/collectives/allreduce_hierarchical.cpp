// SPDX-License-Identifier: Apache-2.0
// Hierarchical allreduce (intra-node, then inter-node): a ring reduce-scatter inside each node
// leaves every rank with S/k reduced over its node (k ranks per node); ranks with the same local
// index in every node then ring-allreduce their S/k piece across the m nodes; a ring allgather
// inside the node spreads the result. The slow inter-node links carry 2(m-1)/m · S/k per rank
// instead of the flat ring's 2(p-1)/p · S through one link per node boundary.
// Requires: every node holds the same number of group members.
#include <stdexcept>

#include "sim/collectives/schedule.hpp"

namespace clustersim::sim {
namespace {

/// `count` ring steps of `piece` bytes around `ring` (group indices), for member `index`.
void append_ring(Schedule& steps, const std::vector<int>& ring, int index, double piece, int count) {
  const int n = static_cast<int>(ring.size());
  int at = 0;
  while (ring[at] != index) ++at;
  for (int s = 0; s < count; ++s) {
    Step step;
    step.sends.push_back({ring[(at + 1) % n], piece});
    step.recvs.push_back({ring[(at + n - 1) % n], piece});
    steps.push_back(std::move(step));
  }
}

}  // namespace

Schedule allreduce_hierarchical(const GroupLayout& group, int index, double bytes) {
  if (!group.is_uniform()) throw std::logic_error("hierarchical allreduce needs the same ranks per node");
  const auto& nodes = group.nodes();
  const int k = static_cast<int>(nodes.front().size());
  const int m = static_cast<int>(nodes.size());
  std::vector<int> my_node, peers_across;
  int local = 0;
  for (const auto& node : nodes)
    for (int j = 0; j < k; ++j)
      if (node[j] == index) {
        my_node = node;
        local = j;
      }
  for (const auto& node : nodes) peers_across.push_back(node[local]);

  Schedule steps;
  if (k > 1) append_ring(steps, my_node, index, bytes / k, k - 1);                 // reduce-scatter
  if (m > 1) append_ring(steps, peers_across, index, bytes / k / m, 2 * (m - 1));  // allreduce
  if (k > 1) append_ring(steps, my_node, index, bytes / k, k - 1);                 // allgather
  return steps;
}

}  // namespace clustersim::sim
