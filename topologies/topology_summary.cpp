// SPDX-License-Identifier: Apache-2.0
// Topology summary, drawing and saving. The bisection bandwidth is a max-flow (Boost.Graph
// push-relabel) on a split-vertex network that follows route()'s rules: each vertex v becomes
// in(v) -> out(v), an arc that only forwarding vertices have, capped by their backplane; GPUs
// are sources or sinks and never forward. Capacities are whole B/s in 64-bit integers, so the
// flow is exact. GraphML numbers are written as the shortest decimal that reads back to the
// same double, shifted to GB/s or us without rounding.
#include "topologies/topology_summary.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <set>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/push_relabel_max_flow.hpp>

#include <fmt/format.h>

namespace clustersim::topo {
namespace {

using FlowTraits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
using FlowGraph = boost::adjacency_list<
    boost::vecS, boost::vecS, boost::directedS, boost::no_property,
    boost::property<boost::edge_capacity_t, std::int64_t,
                    boost::property<boost::edge_residual_capacity_t, std::int64_t,
                                    boost::property<boost::edge_reverse_t, FlowTraits::edge_descriptor>>>>;

/// A cap per source or sink vertex in B/s; infinity means unlimited.
using Terminals = std::vector<std::pair<int, double>>;
constexpr double kUnlimited = std::numeric_limits<double>::infinity();

/// Push-relabel needs integer capacities, so every capacity is counted in a unit: the smallest
/// power of two that keeps the sum of the finite ones, times the number of arcs that may add up in
/// one vertex's excess, inside 62 bits. A power of two moves no digit: a capacity that is a whole
/// number of B/s stays exact whenever the unit is at most 1 B/s, which it is below about 4.6e18 B/s
/// in all; a capacity of a fraction of 1 B/s or of 5e9 GB/s keeps its 1e-12 relative precision.
struct FlowUnit {
  double bytes_per_second = 1;
  std::int64_t unlimited = 1;  // more than any flow can be: the sum of every finite capacity, plus one
  std::int64_t count(double Bps) const {
    return Bps == kUnlimited ? unlimited : static_cast<std::int64_t>(std::llround(Bps / bytes_per_second));
  }
};

FlowUnit flow_unit(const std::vector<double>& capacities, std::size_t terminals) {
  double total = 0;
  for (double c : capacities)
    if (c != kUnlimited) total += c;
  // Each source arc may bring `unlimited` into the flow graph at once, so the sum must stay below
  // 2^62 / (terminals + 1) units; 2^52 more keeps every capacity at double precision.
  const double most = std::min(std::ldexp(1.0, 62) / static_cast<double>(terminals + 2), std::ldexp(1.0, 52));
  FlowUnit unit;
  if (total > 0) unit.bytes_per_second = std::ldexp(1.0, static_cast<int>(std::ceil(std::log2(total / most))));
  unit.unlimited = static_cast<std::int64_t>(std::llround(total / unit.bytes_per_second)) + 1;
  return unit;
}

double max_flow(const Topology& t, const Terminals& sources, const Terminals& sinks) {
  const auto& vertices = t.vertices();
  const int n = static_cast<int>(vertices.size());
  // A backplane of 0 B/s is one the graph does not limit.
  const auto backplane = [](const Vertex& v) { return v.backplane_Bps > 0 ? v.backplane_Bps : kUnlimited; };
  std::vector<double> capacities;
  for (const Edge& e : t.edges()) capacities.push_back(e.bandwidth_Bps);
  for (const Vertex& v : vertices) capacities.push_back(backplane(v));
  for (const auto& terminals : {sources, sinks})
    for (const auto& terminal : terminals) capacities.push_back(terminal.second);
  const FlowUnit unit = flow_unit(capacities, sources.size() + sinks.size());

  FlowGraph g(2 * n + 2);
  const int source = 2 * n, sink = 2 * n + 1;
  auto in = [](int v) { return 2 * v; };
  auto out = [](int v) { return 2 * v + 1; };
  auto capacity = boost::get(boost::edge_capacity, g);
  auto reverse = boost::get(boost::edge_reverse, g);
  auto arc = [&](int u, int v, double Bps) {
    const auto forward = boost::add_edge(u, v, g).first, backward = boost::add_edge(v, u, g).first;
    capacity[forward] = unit.count(Bps);
    capacity[backward] = 0;
    reverse[forward] = backward;
    reverse[backward] = forward;
  };
  for (int v = 0; v < n; ++v)
    if (!is_endpoint(vertices[v].kind)) arc(in(v), out(v), backplane(vertices[v]));
  for (const Edge& e : t.edges()) {
    if (e.duplex == Duplex::full) {
      arc(out(e.a), in(e.b), e.bandwidth_Bps);
      arc(out(e.b), in(e.a), e.bandwidth_Bps);
    } else {  // both directions through one shared arc x -> y
      const int x = static_cast<int>(boost::add_vertex(g)), y = static_cast<int>(boost::add_vertex(g));
      arc(out(e.a), x, kUnlimited);
      arc(out(e.b), x, kUnlimited);
      arc(x, y, e.bandwidth_Bps);
      arc(y, in(e.a), kUnlimited);
      arc(y, in(e.b), kUnlimited);
    }
  }
  for (const auto& [v, cap] : sources) arc(source, out(v), cap);
  for (const auto& [v, cap] : sinks) arc(in(v), sink, cap);
  return static_cast<double>(boost::push_relabel_max_flow(g, source, sink)) * unit.bytes_per_second;
}

double bisection(const Topology& t) {
  const auto& gpus = t.devices();
  const std::size_t half = gpus.size() / 2;
  if (half == 0) return 0;
  Terminals first, second, cpus;
  for (std::size_t i = 0; i < gpus.size(); ++i) (i < half ? first : second).emplace_back(gpus[i], kUnlimited);
  if (t.gpu_peer_to_peer()) return max_flow(t, first, second);
  for (std::size_t v = 0; v < t.vertices().size(); ++v)
    if (t.vertices()[v].kind == VertexKind::cpu)
      cpus.emplace_back(static_cast<int>(v),
                        t.vertices()[v].backplane_Bps > 0 ? t.vertices()[v].backplane_Bps : kUnlimited);
  return std::min(max_flow(t, first, cpus), max_flow(t, cpus, second));
}

std::string gbps(double Bps) { return fmt::format("{:.1f}", Bps / 1e9); }

std::string dot_quote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";  // Graphviz's line break
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

/// `value` x 10^`shift` as plain decimal text, digit for digit the shortest representation of
/// `value` with its decimal point moved (307.2e9 shifted by -9 is "307.2"), so reading it back
/// as text x 10^-shift gives `value` exactly.
std::string shifted_decimal(double value, int shift) {
  if (value == 0) return "0";
  char buffer[64];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific).ptr;
  const std::string text(buffer, end);
  const auto e = text.find('e');
  std::string mantissa = text.substr(0, e);
  const int exponent = std::stoi(text.substr(e + 1)) + shift;
  const std::string sign = mantissa[0] == '-' ? "-" : "";
  std::string digits = mantissa.substr(sign.size());
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  if (exponent < -6 || exponent > 20) return fmt::format("{}e{}", mantissa, exponent);
  if (exponent < 0) return sign + "0." + std::string(-exponent - 1, '0') + digits;
  if (digits.size() <= static_cast<std::size_t>(exponent) + 1)
    return sign + digits + std::string(exponent + 1 - digits.size(), '0');
  return sign + digits.substr(0, exponent + 1) + "." + digits.substr(exponent + 1);
}

const char* dot_shape(VertexKind kind) {
  switch (kind) {
    case VertexKind::gpu: return "shape=box, style=filled, fillcolor=\"#c7e9c0\"";
    case VertexKind::cpu_rank: return "shape=box, style=filled, fillcolor=\"#fdd0a2\"";
    case VertexKind::cpu: return "shape=box3d, style=filled, fillcolor=\"#c6dbef\"";
    case VertexKind::nvswitch: return "shape=hexagon";
    case VertexKind::pcie_switch: return "shape=diamond";
    case VertexKind::nic: return "shape=ellipse";
    case VertexKind::network_switch: return "shape=octagon";
    case VertexKind::disk: return "shape=cylinder, style=filled, fillcolor=\"#d9d9d9\"";
  }
  return "shape=box";
}

}  // namespace

TopologySummary summarize(const Topology& topology) {
  TopologySummary s;
  s.name = topology.name();
  s.origin = topology.origin();
  s.gpu_peer_to_peer = topology.gpu_peer_to_peer();
  s.gpus = static_cast<int>(topology.devices().size());
  std::set<std::string> nodes;
  for (int g : topology.devices()) nodes.insert(topology.vertices()[g].node);
  s.nodes = static_cast<int>(nodes.size());
  for (const Vertex& v : topology.vertices()) ++s.vertex_counts[v.kind];

  std::map<LinkClass, LinkClassSummary> classes;
  std::vector<std::map<LinkClass, double>> injection(topology.vertices().size());
  for (const Edge& e : topology.edges()) {
    LinkClassSummary& c = classes[e.link_class];
    c.link_class = e.link_class;
    ++c.edges;
    c.total_bandwidth_Bps += e.bandwidth_Bps;
    injection[e.a][e.link_class] += e.bandwidth_Bps;
    injection[e.b][e.link_class] += e.bandwidth_Bps;
  }
  bool first = true;
  for (int g : topology.devices()) {
    double total = 0;
    for (auto& [cls, c] : classes) {
      const double bw = injection[g].count(cls) ? injection[g][cls] : 0.0;
      c.gpu_injection_min_Bps = first ? bw : std::min(c.gpu_injection_min_Bps, bw);
      c.gpu_injection_max_Bps = std::max(c.gpu_injection_max_Bps, bw);
      total += bw;
    }
    s.gpu_injection_min_Bps = first ? total : std::min(s.gpu_injection_min_Bps, total);
    s.gpu_injection_max_Bps = std::max(s.gpu_injection_max_Bps, total);
    first = false;
  }
  for (const auto& [cls, c] : classes) s.link_classes.push_back(c);
  s.bisection_Bps = bisection(topology);
  return s;
}

std::string format_summary(const TopologySummary& s) {
  std::string out = fmt::format("# topology: {}\n# origin:   {}\n", s.name, s.origin);
  const bool cpu_ranks = s.vertex_counts.count(VertexKind::cpu_rank) > 0;
  out += fmt::format("# {}: {} in {} node{}, peer-to-peer: {}\n", cpu_ranks ? "devices" : "gpus", s.gpus, s.nodes,
                     s.nodes == 1 ? "" : "s", s.gpu_peer_to_peer ? "yes" : "no (staged through host memory)");
  std::vector<std::string> counts;
  for (const auto& [kind, count] : s.vertex_counts) counts.push_back(fmt::format("{} {}", to_string(kind), count));
  out += fmt::format("# vertices: {}\n#\n", fmt::join(counts, ", "));
  out += fmt::format("# {:>11} {:>6} {:>12} {:>15} {:>15}\n", "class", "edges", "total_bw", "gpu_inject_min",
                     "gpu_inject_max");
  out += fmt::format("# {:>11} {:>6} {:>12} {:>15} {:>15}\n", "", "", "(GB/s)", "(GB/s)", "(GB/s)");
  int edges = 0;
  double total = 0;
  for (const LinkClassSummary& c : s.link_classes) {
    out += fmt::format("  {:>11} {:>6} {:>12} {:>15} {:>15}\n", to_string(c.link_class), c.edges,
                       gbps(c.total_bandwidth_Bps), gbps(c.gpu_injection_min_Bps), gbps(c.gpu_injection_max_Bps));
    edges += c.edges;
    total += c.total_bandwidth_Bps;
  }
  out += fmt::format("  {:>11} {:>6} {:>12} {:>15} {:>15}\n", "all", edges, gbps(total), gbps(s.gpu_injection_min_Bps),
                     gbps(s.gpu_injection_max_Bps));
  const int half = s.gpus / 2;
  out += fmt::format("# bisection: {} GB/s (max-flow from the first {} {} to the last {})\n", gbps(s.bisection_Bps),
                     half, cpu_ranks ? "devices" : "GPUs", s.gpus - half);
  return out;
}

std::string to_dot(const Topology& topology) {
  const auto& vertices = topology.vertices();
  std::string out =
      fmt::format("graph {} {{\n  graph [label={}, labelloc=t, fontname=Helvetica];\n", dot_quote(topology.name()),
                  dot_quote(topology.name() + " (" + topology.origin() + ")"));
  out += "  node [fontname=Helvetica, fontsize=10];\n  edge [fontname=Helvetica, fontsize=8];\n";
  std::vector<std::string> nodes;  // in order of first appearance
  for (const Vertex& v : vertices)
    if (std::find(nodes.begin(), nodes.end(), v.node) == nodes.end()) nodes.push_back(v.node);
  for (const std::string& node : nodes) {
    const std::string indent = node.empty() ? "  " : "    ";
    if (!node.empty())
      out += fmt::format("  subgraph {} {{\n    label={};\n", dot_quote("cluster_" + node), dot_quote(node));
    for (const Vertex& v : vertices) {
      if (v.node != node) continue;
      const std::string label = v.backplane_Bps > 0 ? fmt::format("{}\n{} GB/s", v.id, gbps(v.backplane_Bps)) : v.id;
      out += fmt::format("{}{} [label={}, {}];\n", indent, dot_quote(v.id), dot_quote(label), dot_shape(v.kind));
    }
    if (!node.empty()) out += "  }\n";
  }
  for (const Edge& e : topology.edges())
    out += fmt::format("  {} -- {} [label={}{}];\n", dot_quote(vertices[e.a].id), dot_quote(vertices[e.b].id),
                       dot_quote(fmt::format("{} {} GB/s{}", to_string(e.link_class), gbps(e.bandwidth_Bps),
                                             e.duplex == Duplex::half ? " half" : "")),
                       e.duplex == Duplex::half ? ", style=dashed" : "");
  return out + "}\n";
}

void write_graphml(const Topology& topology, std::ostream& out) {
  auto comment_safe = [](std::string text) {  // "--" may not appear inside an XML comment
    for (auto at = text.find("--"); at != std::string::npos; at = text.find("--", at)) text.replace(at, 2, "- -");
    return text;
  };
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<!-- " << comment_safe(topology.name()) << ": written by clustersim from " << comment_safe(topology.origin())
      << ".\n     Attributes and units: topologies/README.md. Every vertex and edge names the source of its figures. "
         "-->\n"
      << "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n";
  const std::pair<const char*, const char*> keys[] = {{"name", "graph"},
                                                      {"gpu_peer_to_peer", "graph"},
                                                      {"kind", "node"},
                                                      {"node", "node"},
                                                      {"backplane_GBps", "node"},
                                                      {"memory_GB", "node"},
                                                      {"source", "node"},
                                                      {"class", "edge"},
                                                      {"bandwidth_GBps", "edge"},
                                                      {"latency_us", "edge"},
                                                      {"duplex", "edge"},
                                                      {"both_ways_GBps", "edge"},
                                                      {"both_ways_latency_us", "edge"},
                                                      {"source", "edge"}};
  for (const auto& [name, scope] : keys)
    out << fmt::format("  <key id=\"{}_{}\" for=\"{}\" attr.name=\"{}\" attr.type=\"string\"/>\n", scope, name, scope,
                       name);
  auto data = [&](const char* indent, const char* scope, const char* key, const std::string& value) {
    out << fmt::format("{}<data key=\"{}_{}\">{}</data>\n", indent, scope, key, xml_escape(value));
  };
  out << "  <graph id=\"topology\" edgedefault=\"undirected\">\n";
  data("    ", "graph", "name", topology.name());
  data("    ", "graph", "gpu_peer_to_peer", topology.gpu_peer_to_peer() ? "true" : "false");
  for (const Vertex& v : topology.vertices()) {
    out << fmt::format("    <node id=\"{}\">\n", xml_escape(v.id));
    data("      ", "node", "kind", to_string(v.kind));
    data("      ", "node", "node", v.node);
    if (v.backplane_Bps > 0) data("      ", "node", "backplane_GBps", shifted_decimal(v.backplane_Bps, -9));
    if (v.memory_capacity_B > 0) data("      ", "node", "memory_GB", shifted_decimal(v.memory_capacity_B, -9));
    if (!v.source.empty()) data("      ", "node", "source", v.source);
    out << "    </node>\n";
  }
  const auto& vertices = topology.vertices();
  for (const Edge& e : topology.edges()) {
    out << fmt::format("    <edge source=\"{}\" target=\"{}\">\n", xml_escape(vertices[e.a].id),
                       xml_escape(vertices[e.b].id));
    data("      ", "edge", "class", to_string(e.link_class));
    data("      ", "edge", "bandwidth_GBps", shifted_decimal(e.bandwidth_Bps, -9));
    data("      ", "edge", "latency_us", shifted_decimal(e.latency_s, 6));
    if (e.duplex == Duplex::half) data("      ", "edge", "duplex", "half");
    if (e.both_ways_Bps > 0) data("      ", "edge", "both_ways_GBps", shifted_decimal(e.both_ways_Bps, -9));
    if (e.both_ways_latency_s > 0)
      data("      ", "edge", "both_ways_latency_us", shifted_decimal(e.both_ways_latency_s, 6));
    if (!e.source.empty()) data("      ", "edge", "source", e.source);
    out << "    </edge>\n";
  }
  out << "  </graph>\n</graphml>\n";
}

}  // namespace clustersim::topo
