// SPDX-License-Identifier: Apache-2.0
// An emulated multi-node cluster on one machine: one network namespace per "node", each joined
// to a switch namespace (a Linux bridge) by a veth pair whose two ends are rate-limited with tc
// tbf, so inter-node traffic crosses a link of a chosen bandwidth while ranks of one node talk
// inside their namespace. MPI jobs are placed on it with mpirun started in the first node and an
// rsh agent that starts Open MPI's daemons in the others. Needs root; the kernel here has no
// netem, so only the rate is shaped and the base latency is measured, not set.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/mpi_launcher.hpp"

namespace clustersim::live {

struct EmulatedClusterSpec {
  int nodes = 2;
  int ranks_per_node = 2;
  double inter_node_Gbps = 1;  ///< tc rate of every node's link, each direction
};

/// Whether this process can build an emulated cluster; `why` says what is missing if not.
bool can_emulate_cluster(std::string& why);

class EmulatedCluster {
 public:
  /// Creates the namespaces, links and shaping. Everything it creates is named with this
  /// process's id, uses addresses only inside those namespaces, and is deleted by the destructor
  /// — or, if clustersim dies first (even by SIGKILL), by a guardian process that outlives it.
  /// Throws: LaunchError when not root, `ip`/`tc` fail, or the spec is out of range.
  explicit EmulatedCluster(const EmulatedClusterSpec& spec);
  ~EmulatedCluster();
  EmulatedCluster(const EmulatedCluster&) = delete;
  EmulatedCluster& operator=(const EmulatedCluster&) = delete;

  const EmulatedClusterSpec& spec() const { return spec_; }
  /// `job` placed on the cluster: ranks fill node 0 first, then node 1, ... — or, `across_nodes`,
  /// rank i goes to node i mod nodes (a two-rank probe then measures the inter-node link). As on
  /// real nodes, ranks of one node use MPI's shared-memory transport and ranks of two nodes TCP
  /// over the shaped links: each node has its own hostname (a UTS namespace), by which Open MPI
  /// tells nodes apart — under one hostname it would take them for one node. Each node also has
  /// cores of its own when this machine has enough (ranks_per_node each): its daemon and ranks
  /// run only there, as on separate machines, never two nodes' ranks on one core.
  MpiJob place(MpiJob job, bool across_nodes = false) const;
  /// The topology generator spec describing this cluster (before calibration of its links).
  std::string topology_spec() const;
  /// The address of node `i` inside the cluster.
  std::string node_address(int i) const;
  /// The CPUs node `i` runs on, as taskset lists them ("2,3"); empty when the machine has fewer
  /// cores than the cluster has ranks, and the nodes then share them all.
  const std::string& node_cpus(int i) const { return node_cpus_[i]; }

 private:
  void tear_down() noexcept;
  /// What enters node `i` after `ip netns exec`: its own hostname namespace, pinned to its CPUs.
  std::vector<std::string> node_entry(int i) const;

  EmulatedClusterSpec spec_;
  std::string prefix_;                   // names start with it: cs<pid>
  std::string subnet_;                   // 10.213.X.0/24
  std::vector<std::string> namespaces_;  // nodes first, then the switch
  std::vector<std::string> node_cpus_;   // per node; empty: not pinned
  std::string agent_dir_;                // holds the rsh agent script
  int guardian_pipe_ = -1;               // write end; its closing wakes the guardian
};

}  // namespace clustersim::live
