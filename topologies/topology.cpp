// SPDX-License-Identifier: Apache-2.0
// Topology: validation of a cluster graph and its routing policy. Routes are shortest paths by
// latency, ties broken by fewer hops, found with Boost.Graph's Dijkstra on a directed arc graph
// in which endpoints (gpu, cpu_rank, cpu) only start or end a path (devices do not forward, NCCL routes
// through switches). Without GPU peer-to-peer (GeForce cards), GPU-to-GPU traffic is staged in
// host memory, so its route climbs to the nearest cpu vertex and comes back down.
#include "topologies/topology.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <unordered_map>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <boost/graph/filtered_graph.hpp>

#include <fmt/format.h>

#include "common/input_error.hpp"

namespace clustersim::topo {
namespace {

constexpr VertexKind kVertexKinds[] = {
    VertexKind::gpu, VertexKind::cpu_rank,       VertexKind::cpu, VertexKind::nvswitch, VertexKind::pcie_switch,
    VertexKind::nic, VertexKind::network_switch, VertexKind::disk};
constexpr LinkClass kLinkClasses[] = {LinkClass::nvlink,     LinkClass::xgmi, LinkClass::pcie,
                                      LinkClass::infiniband, LinkClass::roce, LinkClass::shared_memory,
                                      LinkClass::ethernet};

/// Path length compared lexicographically: latency first, then hops. Latency is kept in whole
/// picoseconds so that equal-latency paths tie exactly instead of by rounding noise.
struct Cost {
  std::int64_t latency_ps = 0;
  int hops = 0;
  friend bool operator<(const Cost& x, const Cost& y) {
    return x.latency_ps != y.latency_ps ? x.latency_ps < y.latency_ps : x.hops < y.hops;
  }
};
constexpr Cost kUnreached{std::numeric_limits<std::int64_t>::max(), INT_MAX};

struct CombineCost {
  Cost operator()(const Cost& x, const Cost& y) const {
    if (x.hops == INT_MAX || y.hops == INT_MAX) return kUnreached;
    return {x.latency_ps + y.latency_ps, x.hops + y.hops};
  }
};

struct Arc {
  int edge = 0;
  bool forward = true;
  Cost cost;
};
using ArcGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property, Arc>;
using ArcId = ArcGraph::edge_descriptor;

/// Lets a path leave a vertex only if it forwards traffic or is where the path starts.
struct LeavesOnlyForwarders {
  const ArcGraph* graph = nullptr;
  const std::vector<Vertex>* vertices = nullptr;
  int from = -1;
  bool operator()(const ArcId& arc) const {
    const int u = static_cast<int>(boost::source(arc, *graph));
    return u == from || !is_endpoint((*vertices)[u].kind);
  }
};

struct StopAt {};  // thrown by the visitor once the destination is settled

/// Records predecessor arcs; stops the search once every wanted vertex is settled.
struct SearchVisitor : boost::default_dijkstra_visitor {
  std::vector<std::optional<ArcId>>* pred_arc = nullptr;
  std::vector<char>* wanted = nullptr;  // empty: search everything
  int* remaining = nullptr;
  template <class G>
  void edge_relaxed(const ArcId& arc, const G& g) const {
    (*pred_arc)[boost::target(arc, g)] = arc;
  }
  template <class G>
  void examine_vertex(std::size_t v, const G&) const {
    if (!wanted->empty() && (*wanted)[v] && --*remaining == 0) throw StopAt{};
  }
};

std::string vertex_element(const Vertex& v) { return fmt::format("vertex '{}'", v.id); }

}  // namespace

struct Topology::Routing {
  explicit Routing(std::size_t vertices) : arcs(vertices) {}
  ArcGraph arcs;  // each edge as two arcs, one per direction
};

const char* to_string(VertexKind kind) {
  switch (kind) {
    case VertexKind::gpu: return "gpu";
    case VertexKind::cpu: return "cpu";
    case VertexKind::nvswitch: return "nvswitch";
    case VertexKind::pcie_switch: return "pcie_switch";
    case VertexKind::nic: return "nic";
    case VertexKind::network_switch: return "network_switch";
    case VertexKind::cpu_rank: return "cpu_rank";
    case VertexKind::disk: return "disk";
  }
  return "?";
}

const char* to_string(LinkClass cls) {
  switch (cls) {
    case LinkClass::nvlink: return "nvlink";
    case LinkClass::xgmi: return "xgmi";
    case LinkClass::pcie: return "pcie";
    case LinkClass::infiniband: return "infiniband";
    case LinkClass::roce: return "roce";
    case LinkClass::shared_memory: return "shared_memory";
    case LinkClass::ethernet: return "ethernet";
  }
  return "?";
}

bool is_device(VertexKind kind) { return kind == VertexKind::gpu || kind == VertexKind::cpu_rank; }
bool is_endpoint(VertexKind kind) { return is_device(kind) || kind == VertexKind::cpu || kind == VertexKind::disk; }

double exchange_Bps(const Edge& e) {
  if (e.duplex == Duplex::half) return e.bandwidth_Bps / 2;
  return e.both_ways_Bps > 0 ? e.both_ways_Bps : e.bandwidth_Bps;
}

const char* to_string(Duplex duplex) { return duplex == Duplex::full ? "full" : "half"; }

std::optional<VertexKind> vertex_kind_from_string(const std::string& text) {
  for (VertexKind kind : kVertexKinds)
    if (text == to_string(kind)) return kind;
  return std::nullopt;
}

std::optional<LinkClass> link_class_from_string(const std::string& text) {
  for (LinkClass cls : kLinkClasses)
    if (text == to_string(cls)) return cls;
  return std::nullopt;
}

Topology::Topology(std::string name, std::vector<Vertex> vertices, std::vector<Edge> edges, bool gpu_peer_to_peer,
                   std::string origin)
    : name_(std::move(name)),
      vertices_(std::move(vertices)),
      edges_(std::move(edges)),
      gpu_peer_to_peer_(gpu_peer_to_peer),
      origin_(std::move(origin)) {
  const SourceMark mark{origin_};
  const int n = static_cast<int>(vertices_.size());
  std::unordered_map<std::string, int> seen;
  for (int v = 0; v < n; ++v) {
    const Vertex& vertex = vertices_[v];
    if (vertex.id.empty())
      throw InputError(mark, fmt::format("vertex #{}", v), fmt::format("vertex #{} has an empty id", v));
    if (!seen.emplace(vertex.id, v).second)
      throw InputError(mark, vertex_element(vertex), fmt::format("duplicate vertex id '{}'", vertex.id));
    if (!(vertex.backplane_Bps >= 0) || !std::isfinite(vertex.backplane_Bps))
      throw InputError(mark, vertex_element(vertex),
                       fmt::format("vertex '{}' has backplane {} B/s, expected a finite number >= 0 (0 = non-blocking)",
                                   vertex.id, vertex.backplane_Bps));
    if (is_device(vertex.kind)) devices_.push_back(v);
  }

  for (std::size_t i = 0; i < edges_.size(); ++i) {
    const Edge& e = edges_[i];
    if (e.a < 0 || e.a >= n || e.b < 0 || e.b >= n)
      throw InputError(mark, fmt::format("edge #{}", i),
                       fmt::format("edge #{} joins vertices {} and {}, expected indices in 0..{}", i, e.a, e.b, n - 1));
    const std::string element = fmt::format("edge '{}--{}'", vertices_[e.a].id, vertices_[e.b].id);
    if (e.a == e.b)
      throw InputError(mark, element, fmt::format("{} joins vertex '{}' to itself", element, vertices_[e.a].id));
    if (!(e.bandwidth_Bps > 0) || !std::isfinite(e.bandwidth_Bps))
      throw InputError(mark, element,
                       fmt::format("{} has bandwidth {} B/s, expected a finite number > 0", element, e.bandwidth_Bps));
    if (e.both_ways_Bps != 0 &&
        (e.duplex != Duplex::full || !(e.both_ways_Bps > 0) || e.both_ways_Bps > e.bandwidth_Bps))
      throw InputError(mark, element,
                       fmt::format("{} has both-ways bandwidth {:g} GB/s, expected a number in (0, {:g}] GB/s (its "
                                   "bandwidth) on a full-duplex edge",
                                   element, e.both_ways_Bps / 1e9, e.bandwidth_Bps / 1e9));
    if (!(e.latency_s >= 0) || !std::isfinite(e.latency_s))
      throw InputError(mark, element,
                       fmt::format("{} has latency {} s, expected a finite number >= 0", element, e.latency_s));
    if (e.both_ways_latency_s != 0 && !(e.both_ways_latency_s >= e.latency_s && std::isfinite(e.both_ways_latency_s)))
      throw InputError(mark, element,
                       fmt::format("{} has both-ways latency {:g} us, expected a finite number >= {:g} us (its "
                                   "latency)",
                                   element, e.both_ways_latency_s * 1e6, e.latency_s * 1e6));
  }

  // A device is usable if a path through forwarding vertices reaches another endpoint (a cpu,
  // when GPU traffic must bounce through host memory). Union the forwarding vertices into components,
  // then note which endpoints each component touches.
  std::vector<int> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  auto root = [&](int v) {
    while (parent[v] != v) v = parent[v] = parent[parent[v]];
    return v;
  };
  for (const Edge& e : edges_)
    if (!is_endpoint(vertices_[e.a].kind) && !is_endpoint(vertices_[e.b].kind)) parent[root(e.a)] = root(e.b);
  struct Reach {
    int first = -1;        // an endpoint adjacent to the component
    bool several = false;  // more than one distinct endpoint is adjacent
    bool cpu = false;      // a cpu is adjacent
  };
  std::vector<Reach> component(n);
  auto touch = [&](Reach& r, int endpoint) {
    if (r.first < 0) r.first = endpoint;
    r.several = r.several || r.first != endpoint;
    r.cpu = r.cpu || vertices_[endpoint].kind == VertexKind::cpu;
  };
  for (const Edge& e : edges_) {
    const bool a_end = is_endpoint(vertices_[e.a].kind), b_end = is_endpoint(vertices_[e.b].kind);
    if (a_end != b_end) touch(component[root(a_end ? e.b : e.a)], a_end ? e.a : e.b);
  }
  struct DeviceReach {
    bool other_endpoint = false;
    bool cpu = false;
  };
  std::vector<DeviceReach> device_reach(n);
  for (const Edge& e : edges_)
    for (auto [g, other] : {std::pair{e.a, e.b}, std::pair{e.b, e.a}}) {
      if (!is_device(vertices_[g].kind)) continue;
      DeviceReach& r = device_reach[g];
      if (is_endpoint(vertices_[other].kind)) {
        r.other_endpoint = true;
        r.cpu = r.cpu || vertices_[other].kind == VertexKind::cpu;
      } else {
        const Reach& c = component[root(other)];
        r.other_endpoint = r.other_endpoint || c.several || c.first != g;
        r.cpu = r.cpu || c.cpu;
      }
    }
  for (int g : devices_) {
    const char* kind = to_string(vertices_[g].kind);
    if (!device_reach[g].other_endpoint && devices_.size() > 1)  // a lone device has no one to talk to
      throw InputError(
          mark, vertex_element(vertices_[g]),
          fmt::format("{} '{}' is not connected to any other device or cpu", kind, vertices_[g].id),
          fmt::format("a {} needs a path through switches or a direct link to another device or cpu", kind));
    if (vertices_[g].kind == VertexKind::gpu && !gpu_peer_to_peer_ && !device_reach[g].cpu)
      throw InputError(mark, vertex_element(vertices_[g]),
                       fmt::format("gpu '{}' reaches no cpu, which gpu_peer_to_peer=false requires", vertices_[g].id),
                       "without peer-to-peer, gpu-to-gpu traffic is staged through host memory");
  }

  auto routing = std::make_shared<Routing>(n);
  for (std::size_t i = 0; i < edges_.size(); ++i) {
    const Edge& e = edges_[i];
    const Cost cost{std::llround(e.latency_s * 1e12), 1};
    boost::add_edge(e.a, e.b, Arc{static_cast<int>(i), true, cost}, routing->arcs);
    boost::add_edge(e.b, e.a, Arc{static_cast<int>(i), false, cost}, routing->arcs);
  }
  routing_ = std::move(routing);
}

int Topology::find(const std::string& id) const {
  for (std::size_t v = 0; v < vertices_.size(); ++v)
    if (vertices_[v].id == id) return static_cast<int>(v);
  return -1;
}

namespace {

/// Shortest-path tree from `from`; the search stops once `stop_at` is settled (-1: search all).
struct Search {
  std::vector<Cost> cost;
  std::vector<std::optional<ArcId>> pred_arc;
};

/// Shortest paths from `from`, far enough to settle every vertex in `stop_at` (all if empty).
Search search_from(const ArcGraph& arcs, const std::vector<Vertex>& vertices, int from,
                   const std::vector<int>& stop_at) {
  const std::size_t n = boost::num_vertices(arcs);
  Search s{std::vector<Cost>(n, kUnreached), std::vector<std::optional<ArcId>>(n)};
  const boost::filtered_graph<ArcGraph, LeavesOnlyForwarders> g(arcs, LeavesOnlyForwarders{&arcs, &vertices, from});
  std::vector<char> wanted(stop_at.empty() ? 0 : n, 0);
  int remaining = 0;
  for (int v : stop_at)
    if (!wanted[v]) {
      wanted[v] = 1;
      ++remaining;
    }
  SearchVisitor visitor;
  visitor.pred_arc = &s.pred_arc;
  visitor.wanted = &wanted;
  visitor.remaining = &remaining;
  try {
    boost::dijkstra_shortest_paths(
        g, static_cast<std::size_t>(from),
        boost::weight_map(boost::get(&Arc::cost, arcs))
            .distance_map(boost::make_iterator_property_map(s.cost.begin(), boost::get(boost::vertex_index, arcs)))
            .distance_compare(std::less<Cost>())
            .distance_combine(CombineCost())
            .distance_inf(kUnreached)
            .distance_zero(Cost{})
            .visitor(visitor));
  } catch (const StopAt&) {}
  return s;
}

}  // namespace

int Topology::nearest_cpu(int device) const {
  const Search s = search_from(routing_->arcs, vertices_, device, {});
  int host = -1;
  for (int v = 0; v < static_cast<int>(vertices_.size()); ++v)
    if (vertices_[v].kind == VertexKind::cpu && s.cost[v].hops != INT_MAX && (host < 0 || s.cost[v] < s.cost[host]))
      host = v;
  return host;
}

int Topology::nearest_disk(int device) const {
  const int cpu = nearest_cpu(device);
  if (cpu < 0) return -1;
  for (int v = 0; v < static_cast<int>(vertices_.size()); ++v)
    if (vertices_[v].kind == VertexKind::disk && nearest_cpu(v) == cpu) return v;
  return -1;
}

Route Topology::route(int from, int to) const { return routes_from(from, {to}).front(); }

std::vector<Route> Topology::routes_from(int from, const std::vector<int>& to) const {
  const int n = static_cast<int>(vertices_.size());
  for (int v : to)
    for (int endpoint : {from, v})
      if (endpoint < 0 || endpoint >= n || !is_endpoint(vertices_[endpoint].kind))
        throw std::invalid_argument(fmt::format(
            "Topology::route: vertex {} is not an endpoint (gpu, cpu_rank, cpu, disk) of '{}'", endpoint, name_));
  // A cpu's or a disk's backplane is its memory or read bandwidth: a route that starts or ends
  // there uses it too (a route passing through a vertex counts it as it goes).
  const auto with_end_backplanes = [&](std::vector<Route> routes) {
    for (std::size_t i = 0; i < routes.size(); ++i)
      for (int end : {from, to[i]}) {
        const Vertex& v = vertices_[end];
        if (end == to[i] && from == to[i]) continue;
        if ((v.kind != VertexKind::cpu && v.kind != VertexKind::disk) || v.backplane_Bps <= 0) continue;
        auto& planes = routes[i].backplanes;
        if (std::find(planes.begin(), planes.end(), end) != planes.end()) continue;
        end == from ? (void)planes.insert(planes.begin(), end) : planes.push_back(end);
        routes[i].bottleneck_Bps = std::min(routes[i].bottleneck_Bps, v.backplane_Bps);
      }
    return routes;
  };
  // Between a disk and anything but a cpu, traffic is staged in the memory of the disk's nearest cpu.
  const auto staged_at_disk_host = [&](int a, int b) {
    const auto kind = [&](int v) { return vertices_[v].kind; };
    if (a == b || kind(a) == VertexKind::cpu || kind(b) == VertexKind::cpu) return -1;
    if (kind(a) != VertexKind::disk && kind(b) != VertexKind::disk) return -1;
    const int disk = kind(a) == VertexKind::disk ? a : b;
    const int host = nearest_cpu(disk);
    if (host < 0)
      throw InputError(SourceMark{origin_}, vertex_element(vertices_[disk]),
                       fmt::format("disk '{}' reaches no cpu to stage its reads and writes in", vertices_[disk].id));
    return host;
  };
  if (std::any_of(to.begin(), to.end(), [&](int v) { return staged_at_disk_host(from, v) >= 0; })) {
    std::vector<Route> routes;
    for (int v : to) {
      const int host = staged_at_disk_host(from, v);
      if (host < 0) {
        routes.push_back(route(from, v));
        continue;
      }
      // Both legs; each counts the host's memory bandwidth, which the flow uses once.
      Route r = route(from, host);
      const Route down = route(host, v);
      r.hops.insert(r.hops.end(), down.hops.begin(), down.hops.end());
      for (int plane : down.backplanes)
        if (std::find(r.backplanes.begin(), r.backplanes.end(), plane) == r.backplanes.end())
          r.backplanes.push_back(plane);
      r.latency_s += down.latency_s;
      r.both_ways_latency_s += down.both_ways_latency_s;
      r.bottleneck_Bps = std::min(r.bottleneck_Bps, down.bottleneck_Bps);
      routes.push_back(std::move(r));
    }
    return with_end_backplanes(std::move(routes));
  }

  auto append = [&](Route& route, const Search& s, int start, int end) {
    if (s.cost[end].hops == INT_MAX)
      throw InputError(SourceMark{origin_}, vertex_element(vertices_[start]),
                       fmt::format("no route from vertex '{}' to vertex '{}'", vertices_[start].id, vertices_[end].id));
    std::vector<Hop> hops;
    for (int v = end; v != start;) {
      const Arc& arc = routing_->arcs[*s.pred_arc[v]];
      hops.push_back({arc.edge, arc.forward});
      v = arc.forward ? edges_[arc.edge].a : edges_[arc.edge].b;
    }
    for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
      const Edge& e = edges_[hop->edge];
      if (!route.hops.empty()) {  // the vertex we just passed through
        const int via = hop->forward ? e.a : e.b;
        if (vertices_[via].backplane_Bps > 0) {
          route.backplanes.push_back(via);
          route.bottleneck_Bps = std::min(route.bottleneck_Bps, vertices_[via].backplane_Bps);
        }
      }
      route.hops.push_back(*hop);
      route.latency_s += e.latency_s;
      route.both_ways_latency_s += e.both_ways_latency_s > 0 ? e.both_ways_latency_s : e.latency_s;
      route.bottleneck_Bps = std::min(route.bottleneck_Bps, e.bandwidth_Bps);
    }
  };

  std::vector<Route> routes(to.size());
  for (Route& r : routes) r.bottleneck_Bps = std::numeric_limits<double>::infinity();
  const bool bounce = !gpu_peer_to_peer_ && vertices_[from].kind == VertexKind::gpu;
  std::vector<int> direct;
  for (std::size_t i = 0; i < to.size(); ++i)
    if (to[i] != from && !(bounce && vertices_[to[i]].kind == VertexKind::gpu)) direct.push_back(to[i]);
  if (!bounce) {
    if (!direct.empty()) {
      const Search s = search_from(routing_->arcs, vertices_, from, direct);
      for (std::size_t i = 0; i < to.size(); ++i)
        if (to[i] != from) append(routes[i], s, from, to[i]);
    }
    return with_end_backplanes(std::move(routes));
  }
  // Staged through host memory: the cpu nearest to the sender (lowest index on a tie).
  const Search up = search_from(routing_->arcs, vertices_, from, {});
  const int host = nearest_cpu(from);
  if (host < 0)
    throw InputError(SourceMark{origin_}, vertex_element(vertices_[from]),
                     fmt::format("no route from vertex '{}' to a cpu to stage gpu traffic in", vertices_[from].id));
  std::vector<int> staged;
  for (int v : to)
    if (v != from && vertices_[v].kind == VertexKind::gpu) staged.push_back(v);
  const Search down = staged.empty() ? Search{} : search_from(routing_->arcs, vertices_, host, staged);
  for (std::size_t i = 0; i < to.size(); ++i) {
    if (to[i] == from) continue;
    if (vertices_[to[i]].kind == VertexKind::gpu) {
      append(routes[i], up, from, host);
      append(routes[i], down, host, to[i]);
    } else {
      append(routes[i], up, from, to[i]);
    }
  }
  return with_end_backplanes(std::move(routes));
}

}  // namespace clustersim::topo
