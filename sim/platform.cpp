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

/// Far above any link's bandwidth: a link of this capacity never limits a flow.
constexpr double kUnlimited_Bps = 1e18;

/// Per edge: can the traffic through it ever exceed its bandwidth? A full-duplex edge at a
/// forwarding vertex (a switch or NIC, never a flow's end) whose other edges there add up to no
/// more than the edge's bandwidth cannot be over-subscribed: everything crossing it enters or
/// leaves through those other edges, provided they stay in the routes to enforce their own
/// bandwidth. Such an edge is a fat pipe — its max-min constraint never binds — and is left out
/// of the SimGrid routes (its latency and traffic are still counted). Leaving it out changes no
/// simulated time and keeps flows that share only non-binding links from being solved together.
/// Example: a leaf switch's uplink bundle sized for all its NIC ports.
std::vector<bool> can_limit_a_flow(const topo::Topology& topology) {
  const auto& vertices = topology.vertices();
  const auto& edges = topology.edges();
  std::vector<std::vector<int>> incident(vertices.size());
  for (std::size_t i = 0; i < edges.size(); ++i) {
    incident[edges[i].a].push_back(static_cast<int>(i));
    incident[edges[i].b].push_back(static_cast<int>(i));
  }
  auto forwards = [&](int v) { return !topo::is_endpoint(vertices[v].kind); };
  std::vector<bool> contended(edges.size(), true);
  std::vector<bool> relied_on(edges.size(), false);  // kept because a left-out edge depends on it
  for (std::size_t i = 0; i < edges.size(); ++i) {
    const topo::Edge& e = edges[i];
    if (e.duplex != topo::Duplex::full || e.both_ways_Bps > 0 || relied_on[i]) continue;
    for (int end : {e.a, e.b}) {
      if (!forwards(end)) continue;
      double others = 0;
      bool others_kept = true;
      for (int f : incident[end])
        if (f != static_cast<int>(i)) {
          others += edges[f].bandwidth_Bps;
          others_kept = others_kept && contended[f];
        }
      if (!others_kept || others > e.bandwidth_Bps) continue;
      contended[i] = false;
      for (int f : incident[end]) relied_on[f] = f != static_cast<int>(i);
      break;
    }
  }
  return contended;
}

/// What the executor needs of a topology route: its traffic counters, latency and family.
PairRoute describe_route(const topo::Topology& topology, const topo::Route& r) {
  PairRoute pair{
      .latency_s = r.latency_s, .both_ways_latency_s = r.both_ways_latency_s, .family = route_family(topology, r)};
  for (const topo::Hop& hop : r.hops) pair.counters.push_back(hop.edge);
  const int edges = static_cast<int>(topology.edges().size());
  for (int v : r.backplanes) pair.counters.push_back(edges + v);
  return pair;
}

}  // namespace

Platform::Platform(const topo::Topology& topology, const std::vector<int>& gpu_of_rank,
                   const std::vector<std::pair<int, int>>& rank_pairs,
                   const std::function<const topo::Route&(int, int)>& routes) {
  const auto& vertices = topology.vertices();
  const auto& edges = topology.edges();
  auto* zone = sg4::create_full_zone("cluster");
  // Hosts only send and receive: kernels are timed on each device's stream by the executor.
  for (int vertex : gpu_of_rank) hosts_.push_back(zone->create_host(vertices[vertex].id, 1e9));

  // Counters: one per edge, then one per vertex backplane; SimGrid links are made on first use,
  // and only for links that can limit a flow.
  for (const topo::Edge& e : edges) {
    counter_names_.push_back(vertices[e.a].id + "--" + vertices[e.b].id);
    counter_classes_.push_back(topo::to_string(e.link_class));
  }
  for (const topo::Vertex& v : vertices) {
    counter_names_.push_back(v.id + ":backplane");
    counter_classes_.push_back("backplane");
  }
  traffic_.assign(counter_names_.size(), 0.0);
  const std::vector<bool> contended = can_limit_a_flow(topology);
  std::vector<sg4::Link*> links(counter_names_.size(), nullptr);
  // A full-duplex edge whose directions share something: both directions together carry at
  // most 2 × both_ways_Bps, on top of each direction's own bandwidth.
  std::vector<sg4::Link*> both_ways(edges.size(), nullptr);
  auto both_ways_for = [&](int edge) {
    if (!both_ways[edge])
      both_ways[edge] = zone->create_link(counter_names_[edge] + ":both_ways", 2 * edges[edge].both_ways_Bps)
                            ->set_sharing_policy(sg4::Link::SharingPolicy::SHARED);
    return both_ways[edge];
  };
  auto link_for = [&](int counter) {
    if (links[counter]) return links[counter];
    if (counter < static_cast<int>(edges.size())) {
      const topo::Edge& e = edges[counter];
      if (e.duplex == topo::Duplex::full)
        links[counter] = zone->create_split_duplex_link(counter_names_[counter], e.bandwidth_Bps);
      else
        links[counter] = zone->create_link(counter_names_[counter], e.bandwidth_Bps)
                             ->set_sharing_policy(sg4::Link::SharingPolicy::SHARED);
    } else {
      const topo::Vertex& v = vertices[counter - edges.size()];
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
    // The route's whole propagation latency sits on a link of its own, so that the shared links
    // carry bandwidth only and links that cannot limit a flow can be left out (the sum is taken
    // in hop order, as SimGrid would take it over the links).
    std::vector<sg4::LinkInRoute> path{
        sg4::LinkInRoute(zone->create_link(hosts_[from]->get_name() + ">" + hosts_[to]->get_name(), kUnlimited_Bps)
                             ->set_latency(r.latency_s)
                             ->set_sharing_policy(sg4::Link::SharingPolicy::FATPIPE))};
    for (const topo::Hop& hop : r.hops) {
      if (!contended[hop.edge]) continue;
      sg4::Link* link = link_for(hop.edge);
      if (edges[hop.edge].duplex == topo::Duplex::full)
        path.emplace_back(link, hop.forward ? sg4::LinkInRoute::Direction::UP : sg4::LinkInRoute::Direction::DOWN);
      else path.emplace_back(link);
      if (edges[hop.edge].both_ways_Bps > 0) path.emplace_back(both_ways_for(hop.edge));
    }
    for (int v : r.backplanes) path.emplace_back(link_for(static_cast<int>(edges.size()) + v));
    zone->add_route(hosts_[from]->get_netpoint(), hosts_[to]->get_netpoint(), nullptr, nullptr, path, false);
  }
  zone->seal();
}

const PairRoute& Platform::route(int from_rank, int to_rank) const { return routes_.at(pair_key(from_rank, to_rank)); }

std::vector<LinkTraffic> Platform::traffic() const {
  std::vector<LinkTraffic> out;
  for (std::size_t c = 0; c < traffic_.size(); ++c)
    if (traffic_[c] > 0) out.push_back({counter_names_[c], counter_classes_[c], traffic_[c]});
  return out;
}

}  // namespace clustersim::sim
