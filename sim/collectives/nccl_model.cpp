// SPDX-License-Identifier: Apache-2.0
// NCCL latency tables and the tuner's choice. Constants are NCCL v2.28.9-1 src/graph/tuning.cc
// (baseLat, hwLat for NVLINK / PCI / NET; the Hopper values are unchanged in v2.30.7-1); the
// values are listed in docs/sources.md.
#include "sim/collectives/nccl_model.hpp"

#include "sim/collectives/mpi_model.hpp"
#include "sim/collectives/schedule.hpp"

#include <algorithm>
#include <cmath>

namespace clustersim::sim {
namespace {

constexpr double kMicro = 1e-6;

int protocol_index(Protocol protocol) {
  switch (protocol) {
    case Protocol::ll: return 0;
    case Protocol::ll128: return 1;
    default: return 2;
  }
}

bool tree_table(Algorithm algorithm) { return algorithm == Algorithm::tree; }

int log2_ceil(int n) { return n <= 1 ? 0 : static_cast<int>(std::ceil(std::log2(n))); }

}  // namespace

LinkFamily family_of(topo::LinkClass link_class) {
  switch (link_class) {
    case topo::LinkClass::nvlink:
    case topo::LinkClass::xgmi: return LinkFamily::nvlink;
    case topo::LinkClass::pcie:
    case topo::LinkClass::shared_memory: return LinkFamily::pci;  // NCCL's SHM transport is PCI class
    case topo::LinkClass::infiniband:
    case topo::LinkClass::roce:
    case topo::LinkClass::ethernet: return LinkFamily::net;
  }
  return LinkFamily::net;
}

LinkFamily route_family(const topo::Topology& topology, const topo::Route& route) {
  LinkFamily family = LinkFamily::nvlink;
  for (const topo::Hop& hop : route.hops) family = std::max(family, family_of(topology.edges()[hop.edge].link_class));
  return family;
}

double base_latency_s(Algorithm algorithm, Protocol protocol) {
  //                                LL   LL128 Simple
  static constexpr double tree[3] = {6.8, 14.0, 8.4};
  static constexpr double ring[3] = {6.6, 14.0, 8.4};
  return (tree_table(algorithm) ? tree : ring)[protocol_index(protocol)] * kMicro;
}

double hop_latency_s(Algorithm algorithm, Protocol protocol, LinkFamily family) {
  //                                      LL   LL128 Simple
  static constexpr double tree[3][3] = {{0.6, 1.25, 4.0},   // NVLINK
                                        {1.0, 1.9, 4.0},    // PCI
                                        {5.0, 8.5, 14.0}};  // NET
  static constexpr double ring[3][3] = {{0.6, 1.9, 3.4}, {1.0, 2.5, 5.7}, {2.7, 4.0, 14.0}};
  const int f = static_cast<int>(family);
  return (tree_table(algorithm) ? tree : ring)[f][protocol_index(protocol)] * kMicro;
}

double wire_factor(Protocol protocol) {
  switch (protocol) {
    case Protocol::ll: return 2.0;
    case Protocol::ll128: return 128.0 / 120.0;
    default: return 1.0;
  }
}

double estimate_s(model::CollectiveKind kind, Algorithm algorithm, Protocol protocol, double bytes,
                  const GroupFabric& fabric) {
  using model::CollectiveKind;
  const int n = fabric.size;
  if (n <= 1) return 0;
  const int m = fabric.nodes;
  const int k = n / std::max(m, 1);
  const double wire = bytes * wire_factor(protocol);
  const double base = base_latency_s(algorithm, protocol);
  auto hop = [&](LinkFamily family) { return hop_latency_s(algorithm, protocol, family); };
  // A ring over the group crosses node boundaries 2(m-1) times per allreduce (NCCL's nInterSteps).
  auto ring_latency = [&](int steps, int inter_steps) {
    return (steps - inter_steps) * hop(fabric.intra_family) + inter_steps * hop(fabric.inter_family);
  };
  switch (kind) {
    case CollectiveKind::allreduce:
      if (algorithm == Algorithm::tree)
        return base + 2 * (log2_ceil(m) * hop(fabric.inter_family) + (k - 1) * hop(fabric.intra_family)) +
               2 * wire / fabric.ring_Bps;
      if (algorithm == Algorithm::hierarchical)
        return base + 2 * (k - 1) * hop(fabric.intra_family) + 2 * (m - 1) * hop(fabric.inter_family) +
               2.0 * (k - 1) / k * wire / fabric.intra_Bps + 2.0 * (m - 1) / m * (wire / k) / fabric.inter_Bps;
      return base + ring_latency(2 * (n - 1), 2 * (m - 1)) + 2.0 * (n - 1) / n * wire / fabric.ring_Bps;
    case CollectiveKind::allgather:
    case CollectiveKind::reduce_scatter:
      return base + ring_latency(n - 1, m - 1) + 1.0 * (n - 1) / n * wire / fabric.ring_Bps;
    case CollectiveKind::broadcast:
    case CollectiveKind::reduce: return base + ring_latency(n - 1, m - 1) + wire / fabric.ring_Bps;
  }
  return 0;
}

GroupFabric describe_group(const GroupLayout& group, const std::vector<topo::Route>& ring,
                           const topo::Topology& topology) {
  GroupFabric fabric{
      .size = group.size(), .nodes = static_cast<int>(group.nodes().size()), .uniform = group.is_uniform()};
  fabric.ring_Bps = fabric.intra_Bps = fabric.inter_Bps = INFINITY;
  bool any_intra = false;
  for (int i = 0; i < group.size(); ++i) {
    const LinkFamily family = route_family(topology, ring[i]);
    const double bandwidth = ring[i].bottleneck_Bps;
    fabric.route_latency_s = std::max(fabric.route_latency_s, ring[i].latency_s);
    fabric.route_both_ways_latency_s = std::max(fabric.route_both_ways_latency_s, ring[i].both_ways_latency_s);
    fabric.ring_Bps = std::min(fabric.ring_Bps, bandwidth);
    fabric.nvlink_only = fabric.nvlink_only && family == LinkFamily::nvlink;
    if (group.node_of(i) == group.node_of((i + 1) % group.size())) {
      fabric.intra_Bps = std::min(fabric.intra_Bps, bandwidth);
      fabric.intra_family = any_intra ? std::max(fabric.intra_family, family) : family;
      any_intra = true;
    } else {
      fabric.inter_Bps = std::min(fabric.inter_Bps, bandwidth);
      fabric.inter_family = family;
    }
  }
  if (!std::isfinite(fabric.intra_Bps)) fabric.intra_Bps = fabric.ring_Bps;
  if (!std::isfinite(fabric.inter_Bps)) fabric.inter_Bps = fabric.ring_Bps;
  return fabric;
}

CollectiveChoice choose_collective(model::CollectiveKind kind, double bytes, const GroupFabric& fabric,
                                   const CollectiveSettings& settings) {
  if (settings.library == Library::mpi) {
    const Algorithm algorithm =
        kind == model::CollectiveKind::allreduce ? mpi_allreduce_algorithm(fabric.size, bytes) : Algorithm::ring;
    return {algorithm, Protocol::simple, mpi_estimate_s(kind, algorithm, bytes, fabric)};
  }
  std::vector<Algorithm> algorithms{Algorithm::ring};
  if (kind == model::CollectiveKind::allreduce) {
    if (settings.algorithm != Algorithm::automatic) {
      algorithms = {settings.algorithm};
    } else {
      algorithms.push_back(Algorithm::tree);
      if (fabric.nodes > 1 && fabric.uniform) algorithms.push_back(Algorithm::hierarchical);
    }
    if (algorithms.front() == Algorithm::hierarchical && !fabric.uniform) algorithms = {Algorithm::ring};
  }
  std::vector<Protocol> protocols{Protocol::ll, Protocol::ll128, Protocol::simple};
  if (settings.protocol != Protocol::automatic) protocols = {settings.protocol};
  else if (!fabric.nvlink_only) protocols = {Protocol::ll, Protocol::simple};

  CollectiveChoice best{algorithms.front(), protocols.front(), INFINITY};
  for (Algorithm a : algorithms)
    for (Protocol p : protocols)
      if (const double t = estimate_s(kind, a, p, bytes, fabric); t < best.estimate_s) best = {a, p, t};
  return best;
}

Protocol choose_p2p_protocol(double bytes, const CollectiveSettings& settings) {
  if (settings.protocol != Protocol::automatic) return settings.protocol;
  return bytes <= 16384 ? Protocol::ll : Protocol::simple;
}

}  // namespace clustersim::sim
