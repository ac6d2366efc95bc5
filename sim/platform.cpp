// SPDX-License-Identifier: Apache-2.0
// Topology -> SimGrid platform. One flat full zone holds a host per rank and explicit routes for
// the pairs that talk, so routing policy stays in topologies/ (Topology::route) and nothing is
// hand-written per topology. Links are created only for edges some route uses.
#include "sim/platform.hpp"

#include <algorithm>
#include <stdexcept>

namespace sg4 = simgrid::s4u;

namespace clustersim::sim {
namespace {

std::uint64_t pair_key(int a, int b) { return (static_cast<std::uint64_t>(a) << 32) | static_cast<std::uint32_t>(b); }

LinkFamily slower(LinkFamily a, LinkFamily b) { return static_cast<int>(a) > static_cast<int>(b) ? a : b; }

}  // namespace

PairRoute describe_route(const topo::Topology& topology, const topo::Route& r) {
  PairRoute pair;
  pair.latency_s = r.latency_s;
  pair.bottleneck_Bps = r.bottleneck_Bps;
  for (const topo::Hop& hop : r.hops) {
    pair.family = slower(pair.family, family_of(topology.edges()[hop.edge].link_class));
    pair.counters.push_back(hop.edge);
  }
  const int edges = static_cast<int>(topology.edges().size());
  for (int v : r.backplanes) pair.counters.push_back(edges + v);
  return pair;
}

Platform::Platform(const topo::Topology& topology, const std::vector<int>& gpu_of_rank,
                   const std::vector<std::pair<int, int>>& rank_pairs,
                   const std::function<const topo::Route&(int, int)>& routes, double host_speed) {
  const auto& vertices = topology.vertices();
  const auto& edges = topology.edges();
  auto* zone = sg4::create_full_zone("cluster");
  for (int vertex : gpu_of_rank) hosts_.push_back(zone->create_host(vertices[vertex].id, host_speed));

  // Counters: one per edge, then one per vertex backplane; SimGrid links are made on first use.
  counter_names_.resize(edges.size() + vertices.size());
  counter_classes_.resize(counter_names_.size());
  traffic_.assign(counter_names_.size(), 0.0);
  std::vector<sg4::Link*> links(counter_names_.size(), nullptr);
  auto link_for = [&](int counter) {
    if (links[counter]) return links[counter];
    if (counter < static_cast<int>(edges.size())) {
      const topo::Edge& e = edges[counter];
      counter_names_[counter] = vertices[e.a].id + "--" + vertices[e.b].id;
      counter_classes_[counter] = topo::to_string(e.link_class);
      if (e.duplex == topo::Duplex::full)
        links[counter] = zone->create_split_duplex_link(counter_names_[counter], e.bandwidth_Bps);
      else
        links[counter] = zone->create_link(counter_names_[counter], e.bandwidth_Bps)
                             ->set_sharing_policy(sg4::Link::SharingPolicy::SHARED);
      links[counter]->set_latency(e.latency_s);
    } else {
      const topo::Vertex& v = vertices[counter - edges.size()];
      counter_names_[counter] = v.id + ":backplane";
      counter_classes_[counter] = "backplane";
      links[counter] = zone->create_link(counter_names_[counter], v.backplane_Bps)
                           ->set_sharing_policy(sg4::Link::SharingPolicy::SHARED);
    }
    return links[counter];
  };

  for (const auto& [from, to] : rank_pairs) {
    if (from == to) throw std::invalid_argument("a rank cannot send to itself");
    auto [it, inserted] = routes_.try_emplace(pair_key(from, to));
    if (!inserted) continue;
    const topo::Route& r = routes(from, to);
    it->second = describe_route(topology, r);
    std::vector<sg4::LinkInRoute> path;
    for (const topo::Hop& hop : r.hops) {
      sg4::Link* link = link_for(hop.edge);
      if (edges[hop.edge].duplex == topo::Duplex::full)
        path.emplace_back(link, hop.forward ? sg4::LinkInRoute::Direction::UP : sg4::LinkInRoute::Direction::DOWN);
      else
        path.emplace_back(link);
    }
    for (int v : r.backplanes) path.emplace_back(link_for(static_cast<int>(edges.size()) + v));
    zone->add_route(hosts_[from]->get_netpoint(), hosts_[to]->get_netpoint(), nullptr, nullptr, path, false);
  }
  zone->seal();
}

const PairRoute& Platform::route(int from_rank, int to_rank) const {
  return routes_.at(pair_key(from_rank, to_rank));
}

std::vector<LinkTraffic> Platform::traffic() const {
  std::vector<LinkTraffic> out;
  for (std::size_t c = 0; c < traffic_.size(); ++c)
    if (traffic_[c] > 0) out.push_back({counter_names_[c], counter_classes_[c], traffic_[c]});
  return out;
}

}  // namespace clustersim::sim
