// SPDX-License-Identifier: Apache-2.0
// load_topology(): shipped and hand-written files load with the promised attribute semantics,
// and every broken file is refused with a message naming the file, the element and the reason.
#include <filesystem>
#include <map>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "common/data_path.hpp"
#include "topology_test_support.hpp"

namespace clustersim::topo {
namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using testing::load_error;
using testing::ScratchDir;

/// A GraphML file declaring every attribute key (plus `foo`) around `body` (nodes and edges).
std::string graphml(const std::string& body, const std::string& graph_data = "") {
  std::string keys;
  for (const char* name : {"kind", "node", "backplane_GBps", "model", "source", "foo"})
    keys += fmt::format("  <key id=\"v_{0}\" for=\"node\" attr.name=\"{0}\" attr.type=\"string\"/>\n", name);
  for (const char* name :
       {"class", "bandwidth_GBps", "latency_us", "duplex", "both_ways_GBps", "both_ways_latency_us", "count", "source"})
    keys += fmt::format("  <key id=\"e_{0}\" for=\"edge\" attr.name=\"{0}\" attr.type=\"string\"/>\n", name);
  for (const char* name : {"name", "gpu_peer_to_peer", "source"})
    keys += fmt::format("  <key id=\"g_{0}\" for=\"graph\" attr.name=\"{0}\" attr.type=\"string\"/>\n", name);
  return "<?xml version=\"1.0\"?>\n<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n" + keys +
         "<graph id=\"G\" edgedefault=\"undirected\">\n" + graph_data + body + "</graph>\n</graphml>\n";
}

std::string node(const std::string& id, const std::string& kind, const std::string& extra = "") {
  return fmt::format("<node id=\"{}\"><data key=\"v_kind\">{}</data>{}</node>\n", id, kind, extra);
}

std::string link(const std::string& a, const std::string& b, const std::string& data) {
  return fmt::format("<edge source=\"{}\" target=\"{}\">{}</edge>\n", a, b, data);
}

const std::string kNvlink =
    "<data key=\"e_class\">nvlink</data><data key=\"e_bandwidth_GBps\">450</data><data key=\"e_latency_us\">0.3</data>";

/// Two GPUs on an NVSwitch: the smallest valid file, for errors to be added to.
std::string two_gpus(const std::string& extra_body = "", const std::string& gpu1_extra = "") {
  return graphml(node("gpu0", "gpu") + node("gpu1", "gpu", gpu1_extra) + node("nvsw", "nvswitch") +
                 link("gpu0", "nvsw", kNvlink) + link("gpu1", "nvsw", kNvlink) + extra_body);
}

TEST_CASE("topologies: every shipped topology file loads", "[topologies][golden]") {
  const auto [file, gpus] = GENERATE(table<std::string, std::size_t>({{"dgx_h100.graphml", 8},
                                                                      {"mi300x_node.graphml", 8},
                                                                      {"rtx4090_box_2gpu.graphml", 2},
                                                                      {"rtx4090_box_4gpu.graphml", 4},
                                                                      {"rtx4090_box_8gpu.graphml", 8},
                                                                      {"examples/two_node_pcie_ib.dot", 4}}));
  const std::string path = (data_root() / "topologies" / file).string();
  const Topology t = load_topology(path);
  CHECK(t.origin() == path);
  CHECK(t.devices().size() == gpus);
  for (const Vertex& v : t.vertices()) CHECK_FALSE(v.source.empty());
  for (const Edge& e : t.edges()) CHECK_FALSE(e.source.empty());
}

TEST_CASE("topologies: the DOT example reads units, defaults and derived nodes as documented",
          "[topologies][physics]") {
  const Topology t = load_topology((data_root() / "topologies/examples/two_node_pcie_ib.dot").string());
  CHECK(t.name() == "two_node_pcie_ib");
  CHECK(t.vertices()[t.find("b_cpu")].backplane_Bps == 204.8e9);         // backplane_GBps="204.8"
  CHECK(t.vertices()[t.find("b_cpu")].node == "b");                      // from `node [..."node"="b"]`
  CHECK(t.vertices()[t.find("ib")].node == "fabric");                    // only InfiniBand links: no machine
  CHECK(t.vertices()[t.find("a_sw")].source.rfind("example:", 0) == 0);  // graph-level source is the default
  const Edge& ib = t.edges().back();
  CHECK(ib.link_class == LinkClass::infiniband);
  CHECK(ib.bandwidth_Bps == 25e9);
  CHECK(ib.latency_s == 1e-6);
}

TEST_CASE(
    "topologies: count bundles links, half duplex, both-ways bandwidth, and node defaults to the machine's "
    "component",
    "[topologies][physics]") {
  auto data = [](const std::string& cls, const std::string& bw, const std::string& lat, const std::string& extra = "") {
    return fmt::format(
        "<data key=\"e_class\">{}</data><data key=\"e_bandwidth_GBps\">{}</data>"
        "<data key=\"e_latency_us\">{}</data>{}",
        cls, bw, lat, extra);
  };
  ScratchDir dir;
  const std::string path = dir.write(
      "bundle.graphml",
      graphml(node("g0", "gpu") + node("g1", "gpu") + node("sw", "pcie_switch") + node("cpu", "cpu") +
              node("nic", "nic") + node("ib", "network_switch") +
              node("far", "gpu", "<data key=\"v_node\">remote</data>") +
              link("g0", "sw", data("nvlink", "450", "0.3", "<data key=\"e_count\">2</data>")) +
              link("g1", "sw", data("nvlink", "450", "0.3", "<data key=\"e_duplex\">half</data>")) +
              link("cpu", "sw", data("pcie", "64", "0", "<data key=\"e_both_ways_GBps\">40</data>")) +
              link("nic", "sw", data("pcie", "64", "0.25", "<data key=\"e_both_ways_latency_us\">0.5</data>")) +
              link("nic", "ib", data("infiniband", "50", "1")) + link("far", "ib", data("infiniband", "50", "1.5e0"))));
  const Topology t = load_topology(path);
  CHECK(t.name() == "bundle");                 // no graph name: the file's stem
  CHECK(t.edges()[0].bandwidth_Bps == 900e9);  // count 2 x 450 GB/s
  CHECK(t.edges()[1].duplex == Duplex::half);
  CHECK(t.edges()[2].latency_s == 0);
  CHECK(t.edges()[2].both_ways_Bps == 40e9);
  CHECK(t.edges()[3].both_ways_Bps == 0);  // independent directions unless stated
  CHECK(t.edges()[3].both_ways_latency_s == 0.5e-6);
  CHECK(t.edges()[4].both_ways_latency_s == 0);  // the one-way latency unless stated
  CHECK(t.edges()[5].latency_s == 1.5e-6);
  CHECK(t.vertices()[t.find("g0")].node == "node0");  // the component over nvlink/pcie links
  CHECK(t.vertices()[t.find("nic")].node == "node0");
  CHECK(t.vertices()[t.find("ib")].node == "fabric");   // reaches no endpoint without a network link
  CHECK(t.vertices()[t.find("far")].node == "remote");  // explicit
}

TEST_CASE("topologies: a broken graph file is refused with the file, the element and the reason",
          "[topologies][errors]") {
  ScratchDir dir;
  SECTION("missing bandwidth") {
    const std::string path = dir.write(
        "m.graphml",
        two_gpus(link("gpu0", "gpu1", "<data key=\"e_class\">nvlink</data><data key=\"e_latency_us\">1</data>")));
    const std::string msg = load_error(path);
    CHECK_THAT(msg,
               StartsWith(path + ":") && Contains("edge 'gpu0--gpu1' has no bandwidth_GBps, expected a number > 0"));
  }
  SECTION("non-positive bandwidth") {
    const std::string value = GENERATE("0", "-5", "fast");
    const std::string path = dir.write("n.dot",
                                       "graph { a [kind=\"gpu\"]; b [kind=\"gpu\"];\n a -- b [class=\"nvlink\", "
                                       "bandwidth_GBps=\"" +
                                           value + "\", latency_us=\"1\"]; }\n");
    const std::string msg = load_error(path);
    CHECK_THAT(msg, StartsWith(path + ":2:") &&
                        Contains("edge 'a--b' has bandwidth_GBps = '" + value + "', expected a number > 0"));
  }
  SECTION("a file the two XML readers read differently (found by fuzzing)") {
    const std::string path =
        (data_root() / "fuzz" / "corpus" / "fuzz_graphml" / "regression_two_xml_readers_disagree.graphml").string();
    CHECK_THAT(load_error(path), StartsWith(path + ": error: malformed GraphML"));
  }
  SECTION("unknown attribute, with the line of the vertex and the valid names") {
    const std::string path = dir.write("u.graphml", two_gpus("", "<data key=\"v_foo\">1</data>"));
    const std::string msg = load_error(path);
    // line 22: XML declaration, <graphml>, 17 <key> lines, <graph>, gpu0, then gpu1
    CHECK_THAT(msg, StartsWith(path + ":22:1:") && Contains("unknown attribute 'foo' on vertex 'gpu1'") &&
                        Contains("valid vertex attributes: backplane_GBps, kind, memory_GB, model, node, source"));
  }
  SECTION("both ways faster than one way") {
    const std::string path = dir.write("b.dot",
                                       "graph { a [kind=\"gpu\"]; b [kind=\"gpu\"];\n a -- b [class=\"nvlink\", "
                                       "bandwidth_GBps=\"100\", both_ways_GBps=\"150\", latency_us=\"1\"]; }\n");
    CHECK_THAT(load_error(path),
               StartsWith(path) &&
                   Contains("edge 'a--b' has both-ways bandwidth 150 GB/s, expected a number in (0, 100] GB/s") &&
                   Contains("on a full-duplex edge"));
  }
  SECTION("a message each way at once sooner than one alone") {
    const std::string path =
        dir.write("l.dot",
                  "graph { a [kind=\"cpu_rank\"]; b [kind=\"cpu_rank\"];\n a -- b [class=\"ethernet\", "
                  "bandwidth_GBps=\"1\", latency_us=\"10\", both_ways_latency_us=\"4\"]; }\n");
    CHECK_THAT(load_error(path), StartsWith(path) && Contains("edge 'a--b' has both-ways latency 4 us, expected a "
                                                              "finite number >= 10 us (its latency)"));
  }
  SECTION("unquoted exponent in DOT") {
    const std::string path = dir.write("e.dot",
                                       "graph { a [kind=\"gpu\"]; b [kind=\"gpu\"]; a -- b [class=\"nvlink\", "
                                       "bandwidth_GBps=4.5e2, latency_us=\"1\"]; }");
    CHECK_THAT(load_error(path), Contains("unknown attribute 'e2' on edge 'a--b'") && Contains("quote numbers"));
  }
  SECTION("unconnected GPU") {
    const std::string path = dir.write("c.graphml", two_gpus(node("gpu2", "gpu")));
    CHECK_THAT(load_error(path),
               StartsWith(path + ":") && Contains("gpu 'gpu2' is not connected to any other device or cpu"));
  }
  SECTION("duplicate id") {
    const std::string path = dir.write("d.graphml", two_gpus(node("gpu1", "cpu")));
    // the second <node id="gpu1">, after gpu0, gpu1, nvsw and two edges from line 20
    CHECK_THAT(load_error(path), StartsWith(path + ":26:1:") && Contains("duplicate vertex id 'gpu1'"));
  }
  SECTION("unknown class, with a suggestion") {
    const std::string path =
        dir.write("k.graphml", two_gpus(link("gpu0", "gpu1",
                                             "<data key=\"e_class\">nvlnk</data><data key=\"e_bandwidth_GBps\">1</data>"
                                             "<data key=\"e_latency_us\">1</data>")));
    CHECK_THAT(load_error(path), Contains("edge 'gpu0--gpu1' has class = 'nvlnk'") &&
                                     Contains("did you mean 'nvlink'") && Contains("infiniband, roce"));
  }
  SECTION("unknown kind") {
    const std::string path = dir.write("v.dot", "graph { a [kind=\"gpu\"]; b [kind=\"tpu\"]; a -- b; }");
    CHECK_THAT(load_error(path), Contains("vertex 'b' has kind = 'tpu'") && Contains("valid kinds: gpu, cpu"));
  }
  SECTION("edge naming an undeclared vertex") {
    const std::string path = dir.write("x.graphml", two_gpus(link("gpu0", "ghost", kNvlink)));
    CHECK_THAT(load_error(path), Contains("edge 'gpu0--ghost' names vertex 'ghost', which no <node> declares"));
  }
  SECTION("bad latency, count, duplex and gpu_peer_to_peer values") {
    CHECK_THAT(load_error(dir.write("l.dot",
                                    "graph { a [kind=\"gpu\"]; b [kind=\"gpu\"]; a -- b [class=\"pcie\", "
                                    "bandwidth_GBps=\"1\", latency_us=\"-1\"]; }")),
               Contains("latency_us = '-1', expected a number >= 0"));
    CHECK_THAT(load_error(dir.write("c.dot",
                                    "graph { a [kind=\"gpu\"]; b [kind=\"gpu\"]; a -- b [class=\"pcie\", "
                                    "bandwidth_GBps=\"1\", latency_us=\"1\", count=\"0\"]; }")),
               Contains("count = '0', expected an integer >= 1"));
    CHECK_THAT(load_error(dir.write("h.dot",
                                    "graph { a [kind=\"gpu\"]; b [kind=\"gpu\"]; a -- b [class=\"pcie\", "
                                    "bandwidth_GBps=\"1\", latency_us=\"1\", duplex=\"simplex\"]; }")),
               Contains("duplex = 'simplex', expected full or half"));
    CHECK_THAT(load_error(dir.write("p.dot", "graph { graph [gpu_peer_to_peer=\"no\"]; a [kind=\"gpu\"]; }")),
               Contains("gpu_peer_to_peer = 'no', expected true or false"));
  }
  SECTION("parse errors from Boost are wrapped with the file") {
    CHECK_THAT(load_error(dir.write("bad.graphml", "<graphml><graph>")),
               Contains("bad.graphml") && Contains("not well-formed XML"));
    CHECK_THAT(load_error(dir.write("bad.dot", "graph { a -- }")), Contains("bad.dot") && Contains("cannot read DOT"));
    CHECK_THAT(load_error(dir.write("d.dot", "digraph { a -> b }")), Contains("undirected"));
    CHECK_THAT(load_error(dir.write("kw.dot", "graph { a [kind=\"gpu\", node=\"n0\"]; }")),
               Contains("quote them as attribute names"));
  }
  SECTION("unknown extension or missing file") {
    CHECK_THAT(load_error(dir.write("t.json", "{}")), Contains("unknown topology file type '.json'"));
    CHECK_THAT(load_error("/nonexistent/t.graphml"),
               StartsWith("/nonexistent/t.graphml: error: cannot read topology file: it does not exist"));
  }
  SECTION("a directory or a device file is named as what it is") {
    const std::filesystem::path folder = std::filesystem::path(dir.path()) / "folder.dot";
    std::filesystem::create_directory(folder);
    CHECK_THAT(load_error(folder.string()), StartsWith(folder.string() + ": error: cannot read topology file: it is "
                                                                         "a directory"));
    const std::filesystem::path null = std::filesystem::path(dir.path()) / "null.graphml";
    std::filesystem::create_symlink("/dev/null", null);
    CHECK_THAT(load_error(null.string()), Contains("cannot read topology file: it is a device file"));
  }
}

// Boost's DOT parser and the XML parser under read_graphml recurse once per level: thousands of
// levels overflowed the stack (SIGSEGV) before the depth was checked on the text.
TEST_CASE("topologies: deeply nested DOT subgraphs and GraphML elements are refused instead of crashing",
          "[topologies][errors]") {
  ScratchDir dir;
  std::string dot = "graph g {\n";
  for (int i = 0; i < 10000; ++i) dot += "subgraph {\n";
  for (int i = 0; i < 10000; ++i) dot += "}\n";
  const std::string dot_path = dir.write("deep.dot", dot + "}\n");
  // the graph's brace is level 1, so the 101st level opens on line 101
  CHECK_THAT(load_error(dot_path), StartsWith(dot_path + ":101:10: error: graph and subgraph bodies '{ ... }' nested "
                                                         "more than 100 levels deep"));

  std::string xml = "<?xml version=\"1.0\"?>\n<graphml>\n<graph edgedefault=\"undirected\">\n";
  for (int i = 0; i < 50000; ++i) xml += "<data>";
  xml += "\n";
  for (int i = 0; i < 50000; ++i) xml += "</data>";
  const std::string xml_path = dir.write("deep.graphml", xml + "\n</graph>\n</graphml>\n");
  const std::string message = load_error(xml_path);
  CHECK_THAT(message,
             StartsWith(xml_path + ":4:") && Contains("error: element <data> nested more than 100 levels deep"));
  CHECK(message.size() < 1000);  // the quoted source line is cut around the column, not 300 kB long
}

TEST_CASE("topologies: braces in DOT strings and comments and XML comments or empty elements are not nesting",
          "[topologies]") {
  ScratchDir dir;
  const std::string braces(150, '{');
  // `#` right after a token starts a comment for Boost's DOT lexer, as at the start of a line
  const std::string dot = "graph {\n// " + braces + "\n/* " + braces + " */\n# " + braces + "\na#" + braces + "\n" +
                          "a [kind=\"gpu\", source=\"" + braces + "\"]; b [kind=\"gpu\", source=<b>" + braces +
                          "</b>];\na -- b [class=\"nvlink\", bandwidth_GBps=\"1\", latency_us=\"1\"]; }\n";
  CHECK(load_topology(dir.write("quoted.dot", dot)).vertices().size() == 2);
  std::string flat;
  for (int i = 0; i < 150; ++i) flat += "<!-- <x> --><y a='<z>'/><![CDATA[<z>]]>\n";
  CHECK(load_topology(dir.write("flat.graphml", two_gpus(flat))).vertices().size() == 3);
}

// The depth is counted as the parsers tokenize: what they read as a brace or an element counts
// even where a simpler scan would see a comment, a string or a quote.
TEST_CASE("topologies: nesting hidden from a naive scan is still refused", "[topologies][errors]") {
  ScratchDir dir;
  const auto repeat = [](const std::string& text, int times) {
    std::string out;
    for (int i = 0; i < times; ++i) out += text;
    return out;
  };
  const std::map<std::string, std::string> files = {
      // Boost ends an HTML string after its tags balance: the `//` is inside it, not a comment
      {"html.dot", "graph {\n" + repeat("subgraph <b>//</b> {\n", 20000) + "}\n"},
      // braces inside strings do not close anything
      {"strings.dot", "graph {\n" + repeat("subgraph { x [source=\"}}\"];\n", 20000) + "}\n"},
      // rapidxml takes quotes as part of element names
      {"names.graphml", "<graphml><graph edgedefault=\"undirected\">" + repeat("<x\">", 50000) + "\n"},
      // `<!` other than DOCTYPE ends at the first `>`, brackets or not
      {"bang.graphml", "<graphml><graph edgedefault=\"undirected\"><!x[>" + repeat("<x>", 50000) + "\n"},
      // a quoted attribute value may hold `>`
      {"values.graphml", "<graphml><graph edgedefault=\"undirected\">" + repeat("<x a='>'>", 50000) + "\n"},
  };
  for (const auto& [name, text] : files) {
    INFO(name);
    CHECK_THAT(load_error(dir.write(name, text)), Contains("nested more than 100 levels deep"));
  }
}

}  // namespace
}  // namespace clustersim::topo
