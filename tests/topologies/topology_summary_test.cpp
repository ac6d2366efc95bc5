// SPDX-License-Identifier: Apache-2.0
// summarize() reports the figures the generators' sources imply, the bisection max-flow follows
// the routing rules, to_dot() draws every vertex, and write_graphml() round-trips losslessly.
#include <sstream>

#include <catch2/catch.hpp>

#include "common/data_path.hpp"
#include "topologies/topology_summary.hpp"
#include "topology_test_support.hpp"

namespace clustersim::topo {
namespace {

using Catch::Matchers::Contains;

const LinkClassSummary& link_class(const TopologySummary& s, LinkClass cls) {
  for (const auto& c : s.link_classes)
    if (c.link_class == cls) return c;
  FAIL("no " << to_string(cls) << " links");
  throw std::logic_error("unreachable");
}

TEST_CASE("topologies: a DGX H100 GPU injects 450 GB/s over NVLink and 64 GB/s over PCIe", "[topologies][physics]") {
  const TopologySummary s = summarize(generate_topology("dgx_h100_cluster", {{"nodes", 2}}));
  CHECK(s.gpus == 16);
  CHECK(s.nodes == 2);
  CHECK(s.vertex_counts.at(VertexKind::network_switch) == 9);  // 8 rail leafs + the spine
  const LinkClassSummary& nvlink = link_class(s, LinkClass::nvlink);
  CHECK(nvlink.edges == 16);
  CHECK(nvlink.gpu_injection_min_Bps == 450e9);
  CHECK(nvlink.gpu_injection_max_Bps == 450e9);
  CHECK(link_class(s, LinkClass::pcie).gpu_injection_max_Bps == 64e9);
  CHECK(link_class(s, LinkClass::infiniband).gpu_injection_max_Bps == 0);  // GPUs reach the NICs over PCIe
  CHECK(s.gpu_injection_min_Bps == 514e9);
}

TEST_CASE("topologies: bisection bandwidth is the max-flow across the GPU halves under the routing rules",
          "[topologies][physics]") {
  SECTION("2 DGX nodes: the 8 NIC links of a node") {
    // Node 0's GPUs to node 1's: only the 8 NIC-leaf links leave a node, 8 x 50 GB/s.
    CHECK(summarize(generate_topology("dgx_h100_cluster", {{"nodes", 2}})).bisection_Bps == 400e9);
  }
  SECTION("1 DGX node: NVSwitch plus the network") {
    // GPUs 0-3 to 4-7: 4 x 450 GB/s into the non-blocking NVSwitch, plus 4 x 50 GB/s out through
    // NICs, leafs and spine. GPUs and cpus never forward, so PCIe adds no other path.
    CHECK(summarize(generate_topology("dgx_h100_cluster", {})).bisection_Bps == 2000e9);
  }
  SECTION("MI300X: the xGMI links across the cut") {
    // 4 x 4 direct xGMI links x 64 GB/s, plus 4 NICs x 50 GB/s through the fabric.
    CHECK(summarize(generate_topology("mi300x_node", {})).bisection_Bps == 1224e9);
  }
  SECTION("RTX 4090 boxes: staged through host memory, limited by one PCIe 4.0 x16 link") {
    // 2 GPUs: gpu0 -> cpu0 -> gpu1 over 31.5 GB/s links (the 89.6 GB/s backplane is not the limit).
    // 4 GPUs: peer-to-peer through the switch is not allowed; everything crosses the single uplink.
    // 8 GPUs: each half sits behind its own switch's single uplink.
    const int gpus = GENERATE(2, 4, 8);
    CHECK(summarize(generate_topology("rtx4090_box", {{"gpus", gpus}})).bisection_Bps == 31.5e9);
  }
  SECTION("a backplane caps the flow through its switch; half duplex shares one capacity") {
    const std::vector<Vertex> vertices{{"g0", VertexKind::gpu, "n", 0, ""},
                                       {"g1", VertexKind::gpu, "n", 0, ""},
                                       {"sw", VertexKind::pcie_switch, "n", 7e9, ""}};
    const Topology capped(
        "t", vertices,
        {{0, 2, LinkClass::pcie, 10e9, 0, Duplex::full, ""}, {2, 1, LinkClass::pcie, 10e9, 0, Duplex::half, ""}}, true,
        "x");
    CHECK(summarize(capped).bisection_Bps == 7e9);
  }
  SECTION("any positive bandwidth counts, from a fraction of 1 B/s to beyond 64-bit integers of B/s") {
    // Two GPUs through a switch: the bisection is the slower of the two links, whatever its size.
    const double slow = GENERATE(0.3, 0.75, 3e9, 5e18, 1e20, 1e300);
    const std::vector<Vertex> vertices{{"g0", VertexKind::gpu, "n", 0, ""},
                                       {"g1", VertexKind::gpu, "n", 0, ""},
                                       {"sw", VertexKind::pcie_switch, "n", 0, ""}};
    const Topology t(
        "t", vertices,
        {{0, 2, LinkClass::pcie, slow, 0, Duplex::full, ""}, {2, 1, LinkClass::pcie, 4 * slow, 0, Duplex::full, ""}},
        true, "x");
    CAPTURE(slow);
    CHECK(summarize(t).bisection_Bps == Approx(slow).epsilon(1e-12));
  }
  SECTION("a single GPU has no bisection") {
    const Topology one("t", {{"g0", VertexKind::gpu, "n", 0, ""}, {"c", VertexKind::cpu, "n", 0, ""}},
                       {{0, 1, LinkClass::pcie, 10e9, 0, Duplex::full, ""}}, true, "x");
    CHECK(summarize(one).bisection_Bps == 0);
  }
}

TEST_CASE("topologies: the summary table has nccl-tests style headers and one row per link class",
          "[topologies][golden]") {
  const std::string table = format_summary(summarize(generate_topology("rtx4090_box", {{"gpus", 4}})));
  CHECK(table ==
        "# topology: rtx4090_box:gpus=4\n"
        "# origin:   rtx4090_box:gpus=4\n"
        "# gpus: 4 in 1 node, peer-to-peer: no (staged through host memory)\n"
        "# vertices: gpu 4, cpu 1, pcie_switch 1, disk 1\n"
        "#\n"
        "#       class  edges     total_bw  gpu_inject_min  gpu_inject_max\n"
        "#                          (GB/s)          (GB/s)          (GB/s)\n"
        "         pcie      6        165.4            31.5            31.5\n"
        "          all      6        165.4            31.5            31.5\n"
        "# bisection: 31.5 GB/s (max-flow from the first 2 GPUs to the last 2)\n");
}

TEST_CASE("topologies: the DOT drawing names every vertex and labels edges with class and GB/s",
          "[topologies][golden]") {
  const Topology t = generate_topology("dgx_h100_cluster", {{"nodes", 2}});
  const std::string dot = to_dot(t);
  for (const Vertex& v : t.vertices()) CHECK_THAT(dot, Contains("\"" + v.id + "\" [label="));
  CHECK_THAT(dot, Contains("subgraph \"cluster_n1\""));
  CHECK_THAT(dot, Contains("\"n0_gpu0\" -- \"n0_nvswitch\" [label=\"nvlink 450.0 GB/s\"]"));
  CHECK_THAT(dot, Contains("\"rail0_leaf0\" -- \"spine\" [label=\"infiniband 1600.0 GB/s\"]"));
}

TEST_CASE("topologies: write_graphml then load_topology gives back the same topology", "[topologies][golden]") {
  const std::string spec = GENERATE(as<std::string>{}, "dgx_h100_cluster:nodes=3", "mi300x_node:nodes=2",
                                    "rtx4090_box:gpus=8", "examples/two_node_pcie_ib.dot");
  const Topology original = spec.find(".dot") != std::string::npos
                                ? load_topology((data_root() / "topologies" / spec).string())
                                : topology_from_spec(spec);
  std::ostringstream out;
  write_graphml(original, out);
  testing::ScratchDir dir;
  testing::check_same_graph(load_topology(dir.write("round_trip.graphml", out.str())), original);
}

TEST_CASE("topologies: odd figures survive the GraphML round trip bit for bit", "[topologies][golden]") {
  // Values whose decimal forms in GB/s and us are long or tiny: the writer moves the decimal
  // point of the shortest representation instead of dividing, so nothing is rounded twice.
  const double bandwidth = GENERATE(1.0, 12.3e9, 1.0 / 3.0 * 1e11, 299792458.0, 6.02214076e23);
  const double latency = GENERATE(0.0, 1e-12, 0.1e-6, 2.0 / 3.0 * 1e-6, 12.5);
  const Topology original("odd", {{"a", VertexKind::gpu, "n", 0, ""}, {"b", VertexKind::cpu, "n", bandwidth, "s"}},
                          {{0, 1, LinkClass::roce, bandwidth, latency, Duplex::half, "x & <y>"}}, false, "x");
  std::ostringstream out;
  write_graphml(original, out);
  testing::ScratchDir dir;
  testing::check_same_graph(load_topology(dir.write("odd.graphml", out.str())), original);
}

}  // namespace
}  // namespace clustersim::topo
