// SPDX-License-Identifier: Apache-2.0
// Group layout helpers, pipeline chunking and the dispatch from (collective, algorithm) to the
// algorithm's schedule.
#include "sim/collectives/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

namespace clustersim::sim {

GroupLayout::GroupLayout(std::vector<int> node_of) : node_of_(std::move(node_of)) {
  std::map<int, std::size_t> slot;
  for (int i = 0; i < size(); ++i) {
    auto [it, inserted] = slot.try_emplace(node_of_[i], nodes_.size());
    if (inserted) nodes_.emplace_back();
    nodes_[it->second].push_back(i);
  }
}

bool GroupLayout::is_uniform() const {
  return std::all_of(nodes_.begin(), nodes_.end(), [&](const auto& g) { return g.size() == nodes_[0].size(); });
}

int pipeline_chunks(double bytes) {
  constexpr double kChunkBytes = 512.0 * 1024;  // NCCL Simple: a 4 MiB buffer in 8 slots
  constexpr int kMaxChunks = 32;
  return std::clamp(static_cast<int>(std::ceil(bytes / kChunkBytes)), 1, kMaxChunks);
}

Schedule relay(const std::vector<int>& sources, const std::vector<int>& targets, int chunks, double chunk) {
  Schedule steps;
  for (int j = 0; j <= chunks; ++j) {
    Step step;
    if (!sources.empty() && j < chunks)
      for (int s : sources) step.recvs.push_back({s, chunk});
    const int forward = sources.empty() ? j : j - 1;  // the chunk this step passes on
    if (forward >= 0 && forward < chunks)
      for (int t : targets) step.sends.push_back({t, chunk});
    step.pays_latency = forward == 0;
    if (!step.sends.empty() || !step.recvs.empty()) steps.push_back(std::move(step));
  }
  return steps;
}

Schedule chain(const std::vector<int>& order, int index, double bytes) {
  const auto at = std::find(order.begin(), order.end(), index);
  if (at == order.end()) return {};
  std::vector<int> sources, targets;
  if (at != order.begin()) sources.push_back(*(at - 1));
  if (at + 1 != order.end()) targets.push_back(*(at + 1));
  const int chunks = pipeline_chunks(bytes);
  return relay(sources, targets, chunks, bytes / chunks);
}

Schedule broadcast_chain(const GroupLayout& group, int index, int root, double bytes) {
  std::vector<int> order;
  for (int k = 0; k < group.size(); ++k) order.push_back((root + k) % group.size());
  return chain(order, index, bytes);
}

Schedule reduce_chain(const GroupLayout& group, int index, int root, double bytes) {
  std::vector<int> order;
  for (int k = 1; k <= group.size(); ++k) order.push_back((root + k) % group.size());
  return chain(order, index, bytes);
}

Channels collective_schedule(model::CollectiveKind kind, Algorithm algorithm, const GroupLayout& group, int index,
                             int root, double bytes) {
  using model::CollectiveKind;
  if (group.size() <= 1) return {};
  switch (kind) {
    case CollectiveKind::allreduce:
      switch (algorithm) {
        case Algorithm::ring: return {allreduce_ring(group, index, bytes)};
        case Algorithm::tree: return allreduce_double_binary_tree(group, index, bytes);
        case Algorithm::hierarchical: return {allreduce_hierarchical(group, index, bytes)};
        case Algorithm::recursive_doubling: return {allreduce_recursive_doubling(group, index, bytes)};
        case Algorithm::rabenseifner: return {allreduce_rabenseifner(group, index, bytes)};
        case Algorithm::automatic: break;
      }
      throw std::logic_error("collective_schedule: the algorithm must be chosen first");
    case CollectiveKind::allgather: return {allgather_ring(group, index, bytes)};
    case CollectiveKind::reduce_scatter: return {reduce_scatter_ring(group, index, bytes)};
    case CollectiveKind::broadcast: return {broadcast_chain(group, index, root, bytes)};
    case CollectiveKind::reduce: return {reduce_chain(group, index, root, bytes)};
  }
  return {};
}

int largest_power_of_two(int p) {
  int q = 1;
  while (q * 2 <= p) q *= 2;
  return q;
}

}  // namespace clustersim::sim
