// SPDX-License-Identifier: Apache-2.0
// Platform: the SimGrid platform built from a Topology for one simulation — a host per rank's
// GPU, a SimGrid link per topology edge a route uses (split-duplex for full-duplex links,
// shared for half-duplex ones, a shared link for each contended backplane), and the routes
// between the rank pairs that communicate, taken from Topology::route(). Internal to sim/.
#pragma once

#include <cstdint>
#include <functional>
#include <unordered_map>
#include <utility>
#include <vector>

#include <simgrid/s4u.hpp>

#include "sim/collectives/nccl_model.hpp"
#include "sim/simulate.hpp"
#include "topologies/topology.hpp"

namespace clustersim::sim {

/// What the executor needs to know about the route between two ranks.
struct PairRoute {
  std::vector<int> counters;  ///< traffic counters the route crosses (one per link)
  double latency_s = 0;
  double both_ways_latency_s = 0;          ///< a message's latency while the peer sends one back at once
  LinkFamily family = LinkFamily::nvlink;  ///< slowest class on the route (NET > PCI > NVLINK)
};

class Platform {
 public:
  /// Builds the platform in the current SimGrid engine. `routes` gives the topology route
  /// between two ranks (computed once by the caller).
  Platform(const topo::Topology& topology, const std::vector<int>& gpu_of_rank,
           const std::vector<std::pair<int, int>>& rank_pairs,
           const std::function<const topo::Route&(int, int)>& routes);

  simgrid::s4u::Host* host(int rank) const { return hosts_[rank]; }
  const PairRoute& route(int from_rank, int to_rank) const;
  /// Adds `bytes` on the wire to every link of the route.
  void count(const PairRoute& route, double bytes) {
    for (int c : route.counters) traffic_[c] += bytes;
  }
  /// Links that carried traffic.
  std::vector<LinkTraffic> traffic() const;

 private:
  std::vector<simgrid::s4u::Host*> hosts_;
  std::unordered_map<std::uint64_t, PairRoute> routes_;
  std::vector<std::string> counter_names_;
  std::vector<std::string> counter_classes_;
  std::vector<double> traffic_;
};

}  // namespace clustersim::sim
