// SPDX-License-Identifier: Apache-2.0
// What a topology amounts to, in a few numbers and two drawings: counts per vertex kind, links
// and bandwidth per link class, per-GPU injection bandwidth and the bisection bandwidth (a
// max-flow), printed as an nccl-tests-style table; plus Graphviz DOT for drawing and GraphML
// that load_topology() reads back unchanged.
#pragma once

#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "topologies/topology.hpp"

namespace clustersim::topo {

/// The edges of one link class. Bandwidths are per direction, B/s.
struct LinkClassSummary {
  LinkClass link_class = LinkClass::pcie;
  int edges = 0;
  double total_bandwidth_Bps = 0;    ///< sum over the class's edges
  double gpu_injection_min_Bps = 0;  ///< smallest, over GPUs, sum of this class's edges touching a GPU
  double gpu_injection_max_Bps = 0;  ///< largest such sum
};

/// Headline figures of a topology. Bandwidths are per direction, B/s.
struct TopologySummary {
  std::string name;
  std::string origin;
  bool gpu_peer_to_peer = true;
  int gpus = 0;
  int nodes = 0;                               ///< distinct `node` values among the GPUs
  std::map<VertexKind, int> vertex_counts;     ///< kinds present only
  std::vector<LinkClassSummary> link_classes;  ///< classes present only, in LinkClass order
  double gpu_injection_min_Bps = 0;            ///< smallest sum of edge bandwidths touching a GPU
  double gpu_injection_max_Bps = 0;            ///< largest such sum
  /// Max-flow from the first half of devices() to the second half (0 for fewer than 2 GPUs), under
  /// the routing rules: GPUs never forward, switches forward up to their backplane (vertex
  /// splitting), half-duplex edges share one capacity across both directions. Without GPU
  /// peer-to-peer, traffic must pass a cpu: the smaller of max-flow(first half -> cpus) and
  /// max-flow(cpus -> second half), each cpu capped by its backplane.
  double bisection_Bps = 0;
};

/// Counts, bandwidth totals and the bisection max-flow (Boost.Graph push-relabel) of `topology`.
/// Example: summarize(generate_topology("dgx_h100_cluster", {{"nodes", 2}})).bisection_Bps == 400e9.
TopologySummary summarize(const Topology& topology);

/// A human table in nccl-tests style: `#` header lines (name, origin, GPUs, vertex counts), one
/// row per link class with columns in GB/s (decimal, 1e9 B/s), a `#` footer with the bisection.
std::string format_summary(const TopologySummary& summary);

/// Graphviz DOT for drawing (`dot -Tsvg`): vertices shaped by kind, edges labelled with class and
/// GB/s, one cluster per `node`. It is not meant to be read back; write_graphml() is.
std::string to_dot(const Topology& topology);

/// Writes `topology` as GraphML with the attribute set of topologies/README.md, every figure
/// with its source, such that load_topology() of the file gives the same vertices, edges,
/// figures (bit for bit) and name.
void write_graphml(const Topology& topology, std::ostream& out);

}  // namespace clustersim::topo
