// SPDX-License-Identifier: Apache-2.0
// load_topology(): GraphML and Graphviz DOT files read with Boost.Graph. Boost hands over every
// attribute through a dynamic_properties generator, so names we do not know are reported
// instead of silently dropped; values arrive as text and are checked and converted here (the
// attribute set and units are in topologies/README.md). read_graphml does not expose <node id>,
// so GraphML ids (and duplicate ids, which Boost would merge) come from a property_tree pass.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <numeric>
#include <regex>
#include <sstream>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/graphml.hpp>
#include <boost/graph/graphviz.hpp>
#include <boost/property_tree/xml_parser.hpp>

#include <fmt/format.h>

#include "common/input_error.hpp"
#include "common/read_file.hpp"
#include "topologies/nesting_check.hpp"
#include "topologies/topology.hpp"

namespace clustersim::topo {
namespace {

using Attributes = std::map<std::string, std::string>;  // name -> value as written
using ReadGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, Attributes, Attributes>;
using ReadVertex = ReadGraph::vertex_descriptor;
using ReadEdge = ReadGraph::edge_descriptor;

const std::vector<std::string> kVertexAttributes = {"backplane_GBps", "kind", "memory_GB", "model", "node", "source"};
const std::vector<std::string> kEdgeAttributes = {"bandwidth_GBps", "both_ways_GBps", "both_ways_latency_us", "class",
                                                  "count",          "duplex",         "latency_us",           "source"};
const std::vector<std::string> kGraphAttributes = {"gpu_peer_to_peer", "name", "source"};
const std::vector<std::string> kKinds = {"gpu", "cpu_rank", "cpu", "nvswitch", "pcie_switch", "nic", "network_switch"};
const std::vector<std::string> kClasses = {"nvlink", "xgmi", "pcie", "infiniband", "roce", "shared_memory", "ethernet"};

std::string as_text(const boost::any& value) {
  if (const auto* s = boost::any_cast<std::string>(&value)) return *s;
  if (const auto* b = boost::any_cast<bool>(&value)) return *b ? "true" : "false";
  if (const auto* i = boost::any_cast<int>(&value)) return std::to_string(*i);
  if (const auto* l = boost::any_cast<long>(&value)) return std::to_string(*l);
  if (const auto* f = boost::any_cast<float>(&value)) return fmt::format("{}", *f);
  if (const auto* d = boost::any_cast<double>(&value)) return fmt::format("{}", *d);
  return {};
}

/// Stores every attribute Boost reads, whatever its name, as text on its vertex, edge or graph.
class RecordingMap final : public boost::dynamic_property_map {
 public:
  RecordingMap(ReadGraph& graph, Attributes& graph_attributes, std::string name, const std::type_info& key)
      : graph_(graph), graph_attributes_(graph_attributes), name_(std::move(name)), key_(key) {}
  boost::any get(const boost::any& key) override { return get_string(key); }
  std::string get_string(const boost::any& key) override {
    const Attributes& slot = slot_of(key);
    const auto found = slot.find(name_);
    return found == slot.end() ? std::string{} : found->second;
  }
  void put(const boost::any& key, const boost::any& value) override { slot_of(key)[name_] = as_text(value); }
  const std::type_info& key() const override { return key_; }
  const std::type_info& value() const override { return typeid(std::string); }

 private:
  Attributes& slot_of(const boost::any& key) {
    if (const auto* v = boost::any_cast<ReadVertex>(&key)) return graph_[*v];
    if (const auto* e = boost::any_cast<ReadEdge>(&key)) return graph_[*e];
    return graph_attributes_;  // the key is the graph itself
  }
  ReadGraph& graph_;
  Attributes& graph_attributes_;
  std::string name_;
  const std::type_info& key_;
};

struct RawEdge {
  std::string a, b;
  Attributes attributes;
};

/// What a file says, before any checking: ids, edges and attributes in document order.
struct RawGraph {
  Attributes graph;
  std::vector<std::string> ids;
  std::vector<Attributes> vertices;
  std::vector<RawEdge> edges;
};

/// The file being read, for marks that point at the offending line.
struct FileText {
  std::string path;
  std::string text;
  bool dot = false;

  SourceMark mark_at(std::size_t offset) const {
    if (offset == std::string::npos) return {path};
    const auto line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
    const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + offset, '\n'));
    const int column = static_cast<int>(offset - (line_start == std::string::npos ? 0 : line_start + 1)) + 1;
    return {path, line, column};
  }
  static bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }
  // The `nth` GraphML tag `<tag ...>` whose attributes include every one of `needles`.
  std::size_t find_tag(const std::string& tag, const std::vector<std::string>& needles, int nth = 0) const {
    for (std::size_t at = text.find("<" + tag); at != std::string::npos; at = text.find("<" + tag, at + 1)) {
      const std::string head = text.substr(at, text.find('>', at) - at);
      if (std::all_of(needles.begin(), needles.end(),
                      [&](const auto& n) { return head.find(n) != std::string::npos; }) &&
          nth-- == 0)
        return at;
    }
    return std::string::npos;
  }
  SourceMark vertex(const std::string& id, int nth = 0) const {
    if (!dot) return mark_at(find_tag("node", {"id=\"" + id + "\""}, nth));
    for (std::size_t at = text.find(id); at != std::string::npos; at = text.find(id, at + 1))
      if ((at == 0 || !word_char(text[at - 1])) && (at + id.size() >= text.size() || !word_char(text[at + id.size()])))
        return mark_at(at);
    return {path};
  }
  SourceMark edge(const std::string& a, const std::string& b) const {
    if (!dot) return mark_at(find_tag("edge", {"source=\"" + a + "\"", "target=\"" + b + "\""}));
    auto escape = [](const std::string& id) { return std::regex_replace(id, std::regex(R"([^\w])"), R"(\$&)"); };
    const std::regex pattern("(?:^|[^\\w.])(\"?" + escape(a) + "\"?\\s*--\\s*\"?" + escape(b) + "\"?)(?![\\w.])");
    std::smatch match;
    return std::regex_search(text, match, pattern) ? mark_at(match.position(1)) : SourceMark{path};
  }
};

boost::dynamic_properties recording_properties(ReadGraph& graph, Attributes& graph_attributes) {
  return boost::dynamic_properties([&graph, &graph_attributes](const std::string& name, const boost::any& key,
                                                               const boost::any&) {
    return boost::shared_ptr<boost::dynamic_property_map>(new RecordingMap(graph, graph_attributes, name, key.type()));
  });
}

/// How deep braces (DOT) or elements (GraphML) may nest: Boost's parsers recurse once per level
/// and overflow the stack at some thousands, and a topology needs a few.
constexpr int kMaxNesting = 100;

/// Throws: InputError at the brace or element that nests deeper than kMaxNesting.
void check_nesting(const FileText& file) {
  const auto note = fmt::format("a topology needs only a few levels; more than {} are refused", kMaxNesting);
  if (file.dot) {
    if (const auto at = dot_nesting_beyond(file.text, kMaxNesting))
      throw InputError(
          file.mark_at(*at), "subgraph",
          fmt::format("graph and subgraph bodies '{{ ... }}' nested more than {} levels deep", kMaxNesting), note);
    return;
  }
  if (const auto at = xml_nesting_beyond(file.text, kMaxNesting)) {
    const std::size_t name_end = std::min(file.text.find_first_of(" \t\r\n/>", *at + 1), file.text.size());
    const std::string element = "<" + file.text.substr(*at + 1, std::min<std::size_t>(name_end - *at - 1, 40)) + ">";
    throw InputError(file.mark_at(*at), element,
                     fmt::format("element {} nested more than {} levels deep", element, kMaxNesting), note);
  }
}

RawGraph read_graphml_file(const FileText& file) {
  namespace pt = boost::property_tree;
  pt::ptree doc;
  std::istringstream xml(file.text);
  try {
    pt::read_xml(xml, doc);
  } catch (const pt::xml_parser_error& e) {
    throw InputError({file.path, static_cast<int>(e.line())}, "file", "not well-formed XML: " + e.message());
  }
  const auto root = doc.get_child_optional("graphml");
  const auto graph = root ? root->get_child_optional("graph") : boost::none;
  if (!graph)
    throw InputError({file.path}, "file", "not a GraphML topology: expected <graphml><graph>...</graph></graphml>");

  RawGraph raw;
  std::map<std::string, int> seen;
  for (const auto& [tag, child] : *graph) {
    if (tag == "node") {
      const std::string id = child.get<std::string>("<xmlattr>.id", "");
      if (id.empty())
        throw InputError(file.mark_at(file.find_tag("node", {}, static_cast<int>(raw.ids.size()))), "vertex",
                         "<node> without an id");
      if (child.get_child_optional("graph"))
        throw InputError(file.vertex(id), fmt::format("vertex '{}'", id), "nested graphs are not supported");
      if (const int count = seen[id]++; count > 0)
        throw InputError(file.vertex(id, count), fmt::format("vertex '{}'", id),
                         fmt::format("duplicate vertex id '{}'", id));
      raw.ids.push_back(id);
    } else if (tag == "edge") {
      RawEdge edge{child.get<std::string>("<xmlattr>.source", ""), child.get<std::string>("<xmlattr>.target", ""), {}};
      for (const std::string& end : {edge.a, edge.b})
        if (!seen.count(end))
          throw InputError(
              file.edge(edge.a, edge.b), fmt::format("edge '{}--{}'", edge.a, edge.b),
              fmt::format("edge '{}--{}' names vertex '{}', which no <node> declares", edge.a, edge.b, end));
      raw.edges.push_back(std::move(edge));
    }
  }

  ReadGraph g;
  auto dp = recording_properties(g, raw.graph);
  std::istringstream in(file.text);
  try {
    boost::read_graphml(in, g, dp);
  } catch (const boost::directed_graph_error&) {
    throw InputError({file.path}, "graph", "topology graphs are undirected, expected edgedefault=\"undirected\"");
  } catch (const std::exception& e) {
    throw InputError({file.path}, "file", fmt::format("cannot read GraphML: {}", e.what()));
  }
  // Boost adds vertices and edges in document order, the order of the pass above. The two XML
  // readers can disagree on a malformed file (a stray processing instruction before the
  // declaration): then neither reading can be trusted.
  if (boost::num_vertices(g) != raw.ids.size() || boost::num_edges(g) != raw.edges.size())
    throw InputError({file.path}, "file",
                     fmt::format("malformed GraphML: read as {} vertices and {} edges by one XML reader and as {} "
                                 "and {} by another",
                                 raw.ids.size(), raw.edges.size(), boost::num_vertices(g), boost::num_edges(g)),
                     "check the file is well-formed XML with a single <?xml ...?> declaration at its start");
  for (std::size_t v = 0; v < raw.ids.size(); ++v) raw.vertices.push_back(g[v]);
  std::size_t i = 0;
  for (auto [e, end] = boost::edges(g); e != end; ++e) raw.edges[i++].attributes = g[*e];
  return raw;
}

RawGraph read_dot_file(const FileText& file) {
  RawGraph raw;
  ReadGraph g;
  auto dp = recording_properties(g, raw.graph);
  try {
    boost::read_graphviz(file.text, g, dp, "node_id");
  } catch (const boost::directed_graph_error&) {
    throw InputError({file.path}, "graph",
                     "topology graphs are undirected, expected 'graph { a -- b }', not 'digraph'");
  } catch (const std::exception& e) {
    const bool keyword =
        std::strstr(e.what(), "'node'") || std::strstr(e.what(), "'edge'") || std::strstr(e.what(), "'graph'");
    throw InputError(
        {file.path}, "file", fmt::format("cannot read DOT: {}", e.what()),
        keyword ? "node, edge and graph are DOT keywords: quote them as attribute names, e.g. \"node\"=\"n0\"" : "");
  }
  for (std::size_t v = 0; v < boost::num_vertices(g); ++v) {
    raw.ids.push_back(g[v].at("node_id"));
    g[v].erase("node_id");
    raw.vertices.push_back(g[v]);
  }
  for (auto [e, end] = boost::edges(g); e != end; ++e)
    raw.edges.push_back({raw.ids[boost::source(*e, g)], raw.ids[boost::target(*e, g)], g[*e]});
  return raw;
}

/// `text` read as a decimal number times 10^`exponent`, rounded once, so that "307.2" GB/s is
/// exactly the double nearest 307.2e9 B/s (what write_graphml relies on for a lossless round trip).
std::optional<double> parse_scaled(std::string text, int exponent) {
  text.erase(0, text.find_first_not_of(" \t\r\n"));
  text.erase(text.find_last_not_of(" \t\r\n") + 1);
  double plain = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), plain);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(plain)) return std::nullopt;
  std::string mantissa = text;
  if (const auto e = text.find_first_of("eE"); e != std::string::npos) {
    mantissa = text.substr(0, e);
    exponent += std::stoi(text.substr(e + 1));
  }
  const std::string scaled = fmt::format("{}e{}", mantissa, exponent);
  double value = 0;
  std::from_chars(scaled.data(), scaled.data() + scaled.size(), value);
  return std::isfinite(value) ? std::optional(value) : std::nullopt;
}

/// A vertex, an edge or the graph, by name; the line it is written on is looked up only when
/// there is something to report (a search of the whole text per element would be quadratic).
struct Element {
  std::string name;  // "vertex 'gpu3'", "edge 'gpu0--nvsw'", "graph"
  std::function<SourceMark()> locate;
};

/// Turns the attribute maps into checked vertices and edges, with marks for every complaint.
class Builder {
 public:
  explicit Builder(const FileText& file) : file_(file) {}

  Topology build(const RawGraph& raw) {
    const Element graph{"graph", [this] { return SourceMark{file_.path}; }};
    check_names(raw.graph, kGraphAttributes, graph, "graph");
    const std::string name = value_or(raw.graph, "name", std::filesystem::path(file_.path).stem().string());
    const std::string p2p = value_or(raw.graph, "gpu_peer_to_peer", "true");
    if (p2p != "true" && p2p != "false")
      fail(graph, fmt::format("graph has gpu_peer_to_peer = '{}', expected true or false", p2p));
    default_source_ = value_or(raw.graph, "source", "");

    std::vector<Vertex> vertices;
    std::map<std::string, int> index;
    for (std::size_t v = 0; v < raw.ids.size(); ++v) {
      vertices.push_back(vertex(raw.ids[v], raw.vertices[v]));
      index.emplace(raw.ids[v], static_cast<int>(v));
    }
    std::vector<Edge> edges;
    for (const RawEdge& raw_edge : raw.edges)
      edges.push_back(edge(raw_edge, index.at(raw_edge.a), index.at(raw_edge.b)));
    derive_nodes(vertices, edges, raw);
    try {
      return Topology(name, std::move(vertices), std::move(edges), p2p == "true", file_.path);
    } catch (const InputError& e) {  // point at the line of the element the check names
      const std::string what = e.what(), element = e.element();
      const auto note_at = what.find("\nnote: ");
      const std::string note = note_at == std::string::npos ? "" : what.substr(note_at + 7);
      const auto q1 = element.find('\''), q2 = element.rfind('\'');
      const std::string id = q1 < q2 ? element.substr(q1 + 1, q2 - q1 - 1) : "";
      const auto dash = id.find("--");
      const SourceMark mark = element.rfind("edge", 0) == 0 && dash != std::string::npos
                                  ? file_.edge(id.substr(0, dash), id.substr(dash + 2))
                                  : file_.vertex(id);
      throw InputError(mark, element, e.message(), note);
    }
  }

 private:
  [[noreturn]] static void fail(const Element& element, const std::string& message, const std::string& note = "") {
    throw InputError(element.locate(), element.name, message, note);
  }

  static void check_names(const Attributes& attributes, const std::vector<std::string>& valid, const Element& element,
                          const std::string& what) {
    for (const auto& [name, value] : attributes) {
      if (std::find(valid.begin(), valid.end(), name) != valid.end()) continue;
      std::string note = suggestion_note(name, valid, fmt::format("valid {} attributes", what));
      if (std::regex_match(name, std::regex("[eE][-+]?[0-9]+")))
        note += "; Boost's DOT reader splits an unquoted exponent off a number: quote numbers, e.g. \"1.5e3\"";
      fail(element, fmt::format("unknown attribute '{}' on {}", name, element.name), note);
    }
  }

  static std::string value_or(const Attributes& attributes, const std::string& name, const std::string& fallback) {
    const auto found = attributes.find(name);
    return found == attributes.end() ? fallback : found->second;
  }

  /// The attribute as a number times 10^exponent (its unit's scale to SI), > 0 or >= 0.
  static double number(const Attributes& attributes, const std::string& name, int exponent, bool positive,
                       const Element& element) {
    const auto found = attributes.find(name);
    const std::string expected = positive ? "a number > 0" : "a number >= 0";
    if (found == attributes.end())
      fail(element, fmt::format("{} has no {}, expected {}", element.name, name, expected));
    const auto value = parse_scaled(found->second, exponent);
    if (!value || (positive ? !(*value > 0) : !(*value >= 0)))
      fail(element, fmt::format("{} has {} = '{}', expected {}", element.name, name, found->second, expected));
    return *value;
  }

  /// The value of a required attribute that names one of `valid` (a vertex kind, a link class).
  template <typename Parse>
  auto required_choice(const Attributes& attributes, const std::string& key, Parse parse,
                       const std::vector<std::string>& valid, const Element& element, const char* expected,
                       const char* valid_label) const {
    const std::string text = value_or(attributes, key, "");
    const auto parsed = parse(text);
    if (!parsed)
      fail(element,
           text.empty() ? fmt::format("{} has no {}", element.name, key)
                        : fmt::format("{} has {} = '{}', expected {}", element.name, key, text, expected),
           suggestion_note(text, valid, valid_label));
    return *parsed;
  }

  Vertex vertex(const std::string& id, const Attributes& attributes) const {
    const Element element{fmt::format("vertex '{}'", id), [this, &id] { return file_.vertex(id); }};
    check_names(attributes, kVertexAttributes, element, "vertex");
    Vertex v;
    v.id = id;
    v.kind =
        required_choice(attributes, "kind", vertex_kind_from_string, kKinds, element, "a vertex kind", "valid kinds");
    v.node = value_or(attributes, "node", "");
    if (attributes.count("backplane_GBps")) v.backplane_Bps = number(attributes, "backplane_GBps", 9, true, element);
    if (attributes.count("memory_GB")) {
      if (v.kind != VertexKind::cpu && v.kind != VertexKind::disk)
        fail(element, fmt::format("{} has memory_GB but is a {}", element.name, to_string(v.kind)),
             "memory_GB is a cpu's host memory or a disk's capacity, the tiers offloaded KV caches live in");
      v.memory_capacity_B = number(attributes, "memory_GB", 9, true, element);
    }
    v.source = value_or(attributes, "source", default_source_);
    return v;
  }

  Edge edge(const RawEdge& raw, int a, int b) const {
    const Element element{fmt::format("edge '{}--{}'", raw.a, raw.b),
                          [this, &raw] { return file_.edge(raw.a, raw.b); }};
    const Attributes& attributes = raw.attributes;
    check_names(attributes, kEdgeAttributes, element, "edge");
    Edge e;
    e.a = a;
    e.b = b;
    e.link_class = required_choice(attributes, "class", link_class_from_string, kClasses, element, "a link class",
                                   "valid classes");
    e.bandwidth_Bps = number(attributes, "bandwidth_GBps", 9, true, element);
    e.latency_s = number(attributes, "latency_us", -6, false, element);
    const std::string duplex = value_or(attributes, "duplex", "full");
    if (duplex != "full" && duplex != "half")
      fail(element, fmt::format("{} has duplex = '{}', expected full or half", element.name, duplex));
    e.duplex = duplex == "full" ? Duplex::full : Duplex::half;
    if (attributes.count("both_ways_GBps")) e.both_ways_Bps = number(attributes, "both_ways_GBps", 9, true, element);
    if (attributes.count("both_ways_latency_us"))
      e.both_ways_latency_s = number(attributes, "both_ways_latency_us", -6, false, element);
    if (const auto count = attributes.find("count"); count != attributes.end()) {
      int links = 0;
      const std::string& text = count->second;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), links);
      if (ec != std::errc() || end != text.data() + text.size() || links < 1)
        fail(element, fmt::format("{} has count = '{}', expected an integer >= 1", element.name, text));
      e.bandwidth_Bps *= links;  // a bundle of identical links
      e.both_ways_Bps *= links;
    }
    e.source = value_or(attributes, "source", default_source_);
    return e;
  }

  /// A vertex without `node` belongs to the machine its non-network links reach: each connected
  /// component over nvlink/xgmi/pcie/shared_memory edges takes the first explicit `node` inside
  /// it, else `node<i>` (i counts components with an endpoint), else `fabric` (switches only).
  static void derive_nodes(std::vector<Vertex>& vertices, const std::vector<Edge>& edges, const RawGraph& raw) {
    const int n = static_cast<int>(vertices.size());
    std::vector<int> parent(n);
    std::iota(parent.begin(), parent.end(), 0);
    auto root = [&](int v) {
      while (parent[v] != v) v = parent[v] = parent[parent[v]];
      return v;
    };
    for (const Edge& e : edges)
      if (e.link_class != LinkClass::infiniband && e.link_class != LinkClass::roce &&
          e.link_class != LinkClass::ethernet)
        parent[root(e.a)] = root(e.b);
    std::map<int, std::string> name;  // component root -> node name
    for (int v = 0; v < n; ++v)
      if (raw.vertices[v].count("node")) name.emplace(root(v), vertices[v].node);
    int machines = 0;
    for (int v = 0; v < n; ++v)
      if (is_endpoint(vertices[v].kind) && !name.count(root(v)))
        name.emplace(root(v), fmt::format("node{}", machines++));
    for (int v = 0; v < n; ++v)
      if (!raw.vertices[v].count("node")) vertices[v].node = name.count(root(v)) ? name[root(v)] : "fabric";
  }

  const FileText& file_;
  std::string default_source_;
};

}  // namespace

Topology load_topology(const std::string& path) {
  std::string extension = std::filesystem::path(path).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (extension != ".graphml" && extension != ".dot" && extension != ".gv")
    throw InputError({path}, "file",
                     fmt::format("unknown topology file type '{}', expected .graphml, .dot or .gv", extension));
  FileText file{path, read_text_file(path, "topology file", kGraphFileLimit), extension != ".graphml"};
  check_nesting(file);
  const RawGraph raw = file.dot ? read_dot_file(file) : read_graphml_file(file);
  return Builder(file).build(raw);
}

}  // namespace clustersim::topo
