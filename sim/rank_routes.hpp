// SPDX-License-Identifier: Apache-2.0
// RankRoutes: the topology routes between ranks, computed once and kept for the simulation.
// Internal to sim/.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "topologies/topology.hpp"

namespace clustersim::sim {

class RankRoutes {
 public:
  /// `gpu_of_rank`: the topology vertex of each rank. Both must outlive this object.
  RankRoutes(const topo::Topology& topology, const std::vector<int>& gpu_of_rank)
      : topology_(topology), gpu_of_rank_(gpu_of_rank) {}

  /// Computes the routes of `pairs` (from rank, to rank) not known yet, with one shortest-path
  /// search per source rank for all of its destinations.
  void prefetch(const std::vector<std::pair<int, int>>& pairs);
  /// The route from rank `from` to rank `to`, computed on first use.
  const topo::Route& get(int from, int to);

 private:
  static std::uint64_t key(int from, int to) {
    return (static_cast<std::uint64_t>(from) << 32) | static_cast<std::uint32_t>(to);
  }
  const topo::Topology& topology_;
  const std::vector<int>& gpu_of_rank_;
  std::unordered_map<std::uint64_t, topo::Route> routes_;
};

}  // namespace clustersim::sim
