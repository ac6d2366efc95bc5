// SPDX-License-Identifier: Apache-2.0
// Double binary tree allreduce as NCCL builds it (src/graph/trees.cc): a binary tree over the
// nodes, a chain inside each node hanging off the node's first rank, and a second tree that is
// the mirror of the first (even node count) or the first shifted by one (odd), so that a node
// that is interior in one tree is a leaf in the other. Each tree reduces half of the buffer up
// to its root and broadcasts it back down, pipelined in chunks. Per-rank traffic is about 2S
// per direction; latency grows with 2·(log2(nodes) + ranks per node − 1) hops.
//
//   tree A over 4 nodes:  0 -> {1, 2}, 1 -> {3}    (heap order: parent of i is (i-1)/2)
//   tree B, the mirror:   3 -> {2, 1}, 2 -> {0}    (node k sits where node m-1-k sat)
#include "sim/collectives/schedule.hpp"

namespace clustersim::sim {
namespace {

struct TreeLinks {
  int parent = -1;
  std::vector<int> children;
};

/// Heap-ordered binary tree over `m` positions: parent of i is (i-1)/2.
TreeLinks heap_links(int position, int m) {
  TreeLinks links;
  if (position > 0) links.parent = (position - 1) / 2;
  for (int c : {2 * position + 1, 2 * position + 2})
    if (c < m) links.children.push_back(c);
  return links;
}

/// Links of group member `index` in tree `which` (0 or 1): between node leaders by the tree
/// over nodes, inside a node along the chain of its ranks.
TreeLinks tree_links(const std::vector<std::vector<int>>& nodes, int index, int which) {
  const int m = static_cast<int>(nodes.size());
  // Position of node k in tree `which`: identity, mirrored (even m) or shifted by one (odd m).
  auto position_of = [&](int k) { return which == 0 ? k : (m % 2 == 0 ? m - 1 - k : (k + 1) % m); };
  auto node_at = [&](int position) {
    for (int k = 0; k < m; ++k)
      if (position_of(k) == position) return k;
    return -1;
  };
  TreeLinks links;
  for (int k = 0; k < m; ++k) {
    const std::vector<int>& members = nodes[k];
    for (std::size_t j = 0; j < members.size(); ++j) {
      if (members[j] != index) continue;
      if (j + 1 < members.size()) links.children.push_back(members[j + 1]);
      if (j > 0) {
        links.parent = members[j - 1];
        return links;
      }
      const TreeLinks over_nodes = heap_links(position_of(k), m);
      if (over_nodes.parent >= 0) links.parent = nodes[node_at(over_nodes.parent)].front();
      for (int c : over_nodes.children) links.children.push_back(nodes[node_at(c)].front());
      return links;
    }
  }
  return links;
}

/// Reduce up then broadcast down one tree, `chunks` pipelined chunks of `chunk` bytes.
Schedule one_tree(const TreeLinks& links, int chunks, double chunk) {
  const std::vector<int> parent = links.parent < 0 ? std::vector<int>{} : std::vector<int>{links.parent};
  Schedule steps = relay(links.children, parent, chunks, chunk);
  Schedule down = relay(parent, links.children, chunks, chunk);
  steps.insert(steps.end(), down.begin(), down.end());
  return steps;
}

}  // namespace

Channels allreduce_double_binary_tree(const GroupLayout& group, int index, double bytes) {
  const auto& nodes = group.nodes();
  const int chunks = pipeline_chunks(bytes / 2);
  const double chunk = bytes / 2 / chunks;
  return {one_tree(tree_links(nodes, index, 0), chunks, chunk), one_tree(tree_links(nodes, index, 1), chunks, chunk)};
}

}  // namespace clustersim::sim
