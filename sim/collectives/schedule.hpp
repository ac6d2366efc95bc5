// SPDX-License-Identifier: Apache-2.0
// Schedule: one rank's part of a collective as a list of steps, each posting sends and
// receives to peers of the group. Schedules make no engine calls; sim/executor.cpp runs them.
// Step semantics (NCCL-like): a rank posts the step's sends and receives, then waits for its
// receives only — sends complete in the background into the peer's buffer — so the latency of
// a pipeline is the sum of its hops, not of the slowest link at every step. An algorithm may
// use several independent channels (the double binary tree runs one per tree): each channel
// advances through its own steps, as NCCL's channels do.
#pragma once

#include <vector>

#include "model/task_graph.hpp"
#include "sim/collective_settings.hpp"

namespace clustersim::sim {

struct Transfer {
  int peer = 0;      ///< group index of the other rank
  double bytes = 0;  ///< payload bytes (before the protocol's wire overhead)
};

struct Step {
  std::vector<Transfer> sends;
  std::vector<Transfer> recvs;
  /// The step's messages open a pipeline (first chunk) and pay the protocol's per-hop
  /// latency; later chunks of a pipeline only pay bandwidth.
  bool pays_latency = true;
};

using Schedule = std::vector<Step>;
/// A rank's part of a collective: one schedule per channel.
using Channels = std::vector<Schedule>;

/// The members of a collective's group and the machine each is in.
class GroupLayout {
 public:
  /// `node_of`: node id per group index.
  explicit GroupLayout(std::vector<int> node_of = {});

  int size() const { return static_cast<int>(node_of_.size()); }
  int node_of(int index) const { return node_of_[index]; }
  /// Group indices by node, nodes in order of first appearance.
  const std::vector<std::vector<int>>& nodes() const { return nodes_; }
  /// Every node holds the same number of members.
  bool is_uniform() const;

 private:
  std::vector<int> node_of_;
  std::vector<std::vector<int>> nodes_;
};

/// Chunks a pipelined algorithm splits `bytes` into: one per 512 KiB, 1 to 32.
int pipeline_chunks(double bytes);
/// The largest power of two <= p: the ranks that run the butterfly of recursive doubling and
/// Rabenseifner when p is not a power of two (the others fold into them first).
int largest_power_of_two(int p);

// One function per algorithm, each in its own file. `index` is the rank's position in the group.
Schedule allreduce_ring(const GroupLayout& group, int index, double bytes);
/// Two channels, one per tree.
Channels allreduce_double_binary_tree(const GroupLayout& group, int index, double bytes);
Schedule allreduce_hierarchical(const GroupLayout& group, int index, double bytes);
/// Open MPI's (library mpi): whole-vector exchanges at doubling distances.
Schedule allreduce_recursive_doubling(const GroupLayout& group, int index, double bytes);
/// Open MPI's (library mpi): reduce-scatter by recursive halving, allgather by recursive doubling.
Schedule allreduce_rabenseifner(const GroupLayout& group, int index, double bytes);
Schedule allgather_ring(const GroupLayout& group, int index, double bytes);
Schedule reduce_scatter_ring(const GroupLayout& group, int index, double bytes);
/// One pipelined relay stage: receive each of `chunks` chunks from every source, then pass it to
/// every target (with no sources, send chunk j at step j). The step that moves the first chunk
/// pays the protocol latency.
Schedule relay(const std::vector<int>& sources, const std::vector<int>& targets, int chunks, double chunk);
/// A pipelined chain through `order` (group indices): order[0] sends, order.back() only receives.
Schedule chain(const std::vector<int>& order, int index, double bytes);
Schedule broadcast_chain(const GroupLayout& group, int index, int root, double bytes);
Schedule reduce_chain(const GroupLayout& group, int index, int root, double bytes);

/// Dispatch: the schedule of `kind` run with `algorithm` (ring for everything but allreduce).
/// Requires: algorithm is not automatic.
Channels collective_schedule(model::CollectiveKind kind, Algorithm algorithm, const GroupLayout& group, int index,
                             int root, double bytes);

}  // namespace clustersim::sim
