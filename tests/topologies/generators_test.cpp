// SPDX-License-Identifier: Apache-2.0
// The generators build the machines their sources describe, route as real clusters do, reject
// bad parameters, and agree with the shipped GraphML files made from them.
#include <algorithm>
#include <fstream>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "common/data_path.hpp"
#include "topologies/topology_summary.hpp"
#include "topology_test_support.hpp"

namespace clustersim::topo {
namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

/// "from -class-> to" for every hop, to read a route at a glance.
std::vector<std::string> hops_of(const Topology& t, const Route& r) {
  std::vector<std::string> out;
  for (const Hop& hop : r.hops) {
    const Edge& e = t.edges()[hop.edge];
    out.push_back(t.vertices()[hop.forward ? e.a : e.b].id + " -" + to_string(e.link_class) + "-> " +
                  t.vertices()[hop.forward ? e.b : e.a].id);
  }
  return out;
}

Route route(const Topology& t, const std::string& from, const std::string& to) {
  return t.route(t.find(from), t.find(to));
}

std::string generator_error(const std::string& name, std::vector<std::pair<std::string, double>> params) {
  try {
    generate_topology(name, params);
  } catch (const InputError& e) { return e.what(); }
  FAIL("generate_topology accepted " << name);
  return {};
}

TEST_CASE("topologies: dgx_h100_cluster has 8 GPUs, 2 sockets, 8 NICs per node and one leaf per rail per 32 nodes",
          "[topologies][physics]") {
  const int nodes = GENERATE(1, 2, 33);
  const Topology t = generate_topology("dgx_h100_cluster", {{"nodes", nodes}});
  const int leafs = 8 * ((nodes + 31) / 32);
  CHECK(t.devices().size() == std::size_t(8 * nodes));
  // per node: 8 gpu + 1 nvswitch + 2 cpu + 8 pcie switches + 8 nics; then leafs and the spine
  CHECK(t.vertices().size() == std::size_t(27 * nodes + leafs + 1));
  // GPUs come first, in rank order
  for (int r = 0; r < 8 * nodes; ++r) CHECK(t.vertices()[t.devices()[r]].id == fmt::format("n{}_gpu{}", r / 8, r % 8));
  CHECK(t.vertices()[t.find("n0_cpu1")].backplane_Bps == 307.2e9);  // 8 x DDR5-4800 x 8 B
  CHECK(t.vertices()[t.find("rail7_leaf0")].node == "fabric");
  for (const Edge& e : t.edges()) CHECK_THAT(e.source, !Catch::Matchers::Equals(""));
  for (const Vertex& v : t.vertices()) CHECK_THAT(v.source, !Catch::Matchers::Equals(""));
}

TEST_CASE("topologies: DGX H100 GPUs in one node talk over two NVLink hops through the NVSwitch",
          "[topologies][physics]") {
  const Topology t = generate_topology("dgx_h100_cluster", {{"nodes", 2}});
  const Route r = route(t, "n1_gpu2", "n1_gpu6");
  CHECK(hops_of(t, r) == std::vector<std::string>{"n1_gpu2 -nvlink-> n1_nvswitch", "n1_nvswitch -nvlink-> n1_gpu6"});
  CHECK(r.bottleneck_Bps == 450e9);                   // 18 NVLink4 links x 25 GB/s
  CHECK_THAT(r.latency_s, WithinRel(0.6e-6, 1e-12));  // 2 hops x 0.3 us
  CHECK(r.backplanes.empty());                        // the NVSwitch is non-blocking
}

TEST_CASE("topologies: DGX H100 GPUs in different nodes go PCIe, NIC, InfiniBand leaf (and spine across rails)",
          "[topologies][physics]") {
  const Topology t = generate_topology("dgx_h100_cluster", {{"nodes", 2}});
  SECTION("same rail: one leaf") {
    const Route r = route(t, "n0_gpu3", "n1_gpu3");
    CHECK(hops_of(t, r) == std::vector<std::string>{"n0_gpu3 -pcie-> n0_pcie_sw3", "n0_pcie_sw3 -pcie-> n0_nic3",
                                                    "n0_nic3 -infiniband-> rail3_leaf0",
                                                    "rail3_leaf0 -infiniband-> n1_nic3", "n1_nic3 -pcie-> n1_pcie_sw3",
                                                    "n1_pcie_sw3 -pcie-> n1_gpu3"});
    CHECK(r.bottleneck_Bps == 50e9);                  // ConnectX-7, 400 Gb/s
    CHECK_THAT(r.latency_s, WithinRel(3e-6, 1e-12));  // 4 PCIe hops x 0.25 us + 2 network hops x 1 us
  }
  SECTION("different rails: leaf, spine, leaf") {
    const Route r = route(t, "n0_gpu0", "n1_gpu5");
    CHECK(hops_of(t, r) ==
          std::vector<std::string>{"n0_gpu0 -pcie-> n0_pcie_sw0", "n0_pcie_sw0 -pcie-> n0_nic0",
                                   "n0_nic0 -infiniband-> rail0_leaf0", "rail0_leaf0 -infiniband-> spine",
                                   "spine -infiniband-> rail5_leaf0", "rail5_leaf0 -infiniband-> n1_nic5",
                                   "n1_nic5 -pcie-> n1_pcie_sw5", "n1_pcie_sw5 -pcie-> n1_gpu5"});
    CHECK_THAT(r.latency_s, WithinRel(5e-6, 1e-12));
  }
  SECTION("routes are deterministic") {
    CHECK(hops_of(t, route(t, "n0_gpu0", "n1_gpu5")) == hops_of(t, route(t, "n0_gpu0", "n1_gpu5")));
  }
}

TEST_CASE("topologies: nodes 33 and up of a DGX cluster sit on a second leaf per rail", "[topologies][physics]") {
  const Topology t = generate_topology("dgx_h100_cluster", {{"nodes", 33}});
  const auto hops = hops_of(t, route(t, "n0_gpu1", "n32_gpu1"));
  CHECK(std::find(hops.begin(), hops.end(), "rail1_leaf0 -infiniband-> spine") != hops.end());
  CHECK(std::find(hops.begin(), hops.end(), "spine -infiniband-> rail1_leaf1") != hops.end());
}

TEST_CASE("topologies: MI300X GPUs in a node are one xGMI hop apart", "[topologies][physics]") {
  const Topology t = generate_topology("mi300x_node", {});
  const Route r = route(t, "n0_gpu0", "n0_gpu7");
  CHECK(hops_of(t, r) == std::vector<std::string>{"n0_gpu0 -xgmi-> n0_gpu7"});
  CHECK(r.bottleneck_Bps == 64e9);
  const Topology two = generate_topology("mi300x_node", {{"nodes", 2}});
  CHECK(hops_of(two, route(two, "n0_gpu1", "n1_gpu1"))[2] == "n0_nic1 -roce-> rail1_leaf0");
}

TEST_CASE("topologies: RTX 4090 GPUs without P2P bounce through the cpu and its memory backplane",
          "[topologies][physics]") {
  SECTION("2 GPUs on the root complex") {
    const Topology t = generate_topology("rtx4090_box", {{"gpus", 2}});
    CHECK_FALSE(t.gpu_peer_to_peer());
    const Route r = route(t, "gpu0", "gpu1");
    CHECK(hops_of(t, r) == std::vector<std::string>{"gpu0 -pcie-> cpu0", "cpu0 -pcie-> gpu1"});
    CHECK(r.backplanes == std::vector<int>{t.find("cpu0")});
    CHECK(r.bottleneck_Bps == 31.5e9);  // PCIe 4.0 x16 is below the 89.6 GB/s DDR5 backplane
  }
  SECTION("4 GPUs behind one switch still climb to the cpu") {
    const Topology t = generate_topology("rtx4090_box", {{"gpus", 4}});
    CHECK(hops_of(t, route(t, "gpu0", "gpu1")) ==
          std::vector<std::string>{"gpu0 -pcie-> pcie_sw0", "pcie_sw0 -pcie-> cpu0", "cpu0 -pcie-> pcie_sw0",
                                   "pcie_sw0 -pcie-> gpu1"});
  }
  SECTION("8 GPUs across the two switches") {
    const Topology t = generate_topology("rtx4090_box", {{"gpus", 8}});
    const Route r = route(t, "gpu2", "gpu6");
    CHECK(hops_of(t, r).size() == 4);
    CHECK(r.backplanes == std::vector<int>{t.find("cpu0")});
    CHECK_THAT(r.latency_s, WithinRel(1e-6, 1e-12));  // 4 PCIe hops x 0.25 us
  }
}

TEST_CASE("topologies: generator parameters are checked", "[topologies][errors]") {
  CHECK_THAT(generator_error("dgx_h100_cluster", {{"nodes", 0}}),
             Contains("'nodes'") && Contains("1..128") && Contains("is 0"));
  CHECK_THAT(generator_error("dgx_h100_cluster", {{"nodes", 129}}), Contains("1..128"));
  CHECK_THAT(generator_error("dgx_h100_cluster", {{"nodes", 2.5}}), Contains("an integer"));
  CHECK_THAT(generator_error("dgx_h100_cluster", {{"node", 2}}),
             Contains("unknown parameter 'node'") && Contains("did you mean 'nodes'"));
  CHECK_THAT(generator_error("rtx4090_box", {{"gpus", 3}}), Contains("one of 2, 4, 8"));
  CHECK_THAT(generator_error("mi300x_node", {{"nodes", 17}}), Contains("1..16"));
  CHECK_THAT(generator_error("mi300x_node", {{"nodes", 2}, {"nodes", 3}}), Contains("given twice"));
  CHECK_THAT(generator_error("dgx_h100_clustr", {}),
             Contains("unknown topology generator 'dgx_h100_clustr'") && Contains("did you mean 'dgx_h100_cluster'"));
}

TEST_CASE("topologies: a spec names a generator with parameters, a shipped file or a path", "[topologies][errors]") {
  const Topology t = topology_from_spec("dgx_h100_cluster:nodes=3");
  CHECK(t.devices().size() == 24);
  CHECK(t.origin() == "dgx_h100_cluster:nodes=3");
  CHECK(topology_from_spec("rtx4090_box").devices().size() == 2);       // default gpus=2
  CHECK(topology_from_spec("rtx4090_box_8gpu").devices().size() == 8);  // shipped topologies/rtx4090_box_8gpu.graphml
  auto error = [](const std::string& spec) {
    try {
      topology_from_spec(spec);
    } catch (const InputError& e) { return std::string(e.what()); }
    return std::string("no error");
  };
  CHECK_THAT(error("dgx_h100_cluster:nodes"), Contains("malformed generator parameter 'nodes'"));
  CHECK_THAT(error("dgx_h100_cluster:gpus=8"), Contains("unknown parameter 'gpus'"));
  CHECK_THAT(error("mi300x"), Contains("unknown topology 'mi300x'") && Contains("mi300x_node"));
  CHECK_THAT(error("missing/file.graphml"), Contains("missing/file.graphml") && Contains("it does not exist"));
  CHECK(generator_names() ==
        std::vector<std::string>{"dgx_h100_cluster:nodes=1..128", "mi300x_node:nodes=1..16", "rtx4090_box:gpus=2|4|8",
                                 "cpu_host:ranks=1..64",
                                 "emulated_cluster:nodes=2..8,ranks_per_node=1..8,inter_node_Gbps=0.001..400"});
}

TEST_CASE("topologies: cpu_host joins every pair of ranks by one shared_memory hop", "[topologies]") {
  for (int ranks : {1, 2, 5}) {
    const Topology t = topology_from_spec(fmt::format("cpu_host:ranks={}", ranks));
    CHECK(t.name() == fmt::format("cpu_host:ranks={}", ranks));
    REQUIRE(t.devices().size() == std::size_t(ranks));
    CHECK(t.edges().size() == std::size_t(ranks * (ranks - 1) / 2));
    for (int v : t.devices()) CHECK(t.vertices()[v].kind == VertexKind::cpu_rank);
    for (const Edge& e : t.edges()) {
      CHECK(e.link_class == LinkClass::shared_memory);
      CHECK(e.bandwidth_Bps == 10e9);
      CHECK(e.latency_s == 1e-6);
      CHECK_THAT(e.source, Contains("assumption until calibrated"));
    }
    for (int a = 0; a < ranks; ++a)
      for (int b = 0; b < ranks; ++b)
        if (a != b) CHECK(t.route(t.devices()[a], t.devices()[b]).hops.size() == 1);
  }
  CHECK(topology_from_spec("cpu_host").devices().size() == 2);  // default ranks=2
  CHECK_THAT(generator_error("cpu_host", {{"ranks", 65}}), Contains("an integer in 1..64"));
  CHECK_THAT(generator_error("cpu_host", {{"ranks", 0}}), Contains("an integer in 1..64"));
}

TEST_CASE(
    "topologies: emulated_cluster crosses two ethernet hops at the tc rate between nodes, one shared_memory "
    "hop inside",
    "[topologies]") {
  const Topology t = topology_from_spec("emulated_cluster:nodes=3,ranks_per_node=2,inter_node_Gbps=2.5");
  CHECK(t.name() == "emulated_cluster:nodes=3,ranks_per_node=2,inter_node_Gbps=2.5");
  REQUIRE(t.devices().size() == 6);
  for (int r = 0; r < 6; ++r) {
    const Vertex& v = t.vertices()[t.devices()[r]];
    CHECK(v.id == fmt::format("n{}_rank{}", r / 2, r % 2));
    CHECK(v.node == fmt::format("n{}", r / 2));
  }
  CHECK(hops_of(t, route(t, "n0_rank0", "n0_rank1")) == std::vector<std::string>{"n0_rank0 -shared_memory-> n0_rank1"});
  const Route across = route(t, "n0_rank1", "n2_rank0");
  CHECK(hops_of(t, across) == std::vector<std::string>{"n0_rank1 -pcie-> n0_nic", "n0_nic -ethernet-> switch",
                                                       "switch -ethernet-> n2_nic", "n2_nic -pcie-> n2_rank0"});
  CHECK(across.bottleneck_Bps == 2.5e9 / 8);
  CHECK_THAT(across.latency_s, WithinRel(41.2e-6, 1e-12));  // two 20 us ethernet hops, two 0.6 us NIC attachments
  const Topology defaults = topology_from_spec("emulated_cluster");
  CHECK(defaults.name() == "emulated_cluster:nodes=2,ranks_per_node=1,inter_node_Gbps=1");
  CHECK_THAT(generator_error("emulated_cluster", {{"nodes", 1}}), Contains("an integer in 2..8"));
  CHECK_THAT(generator_error("emulated_cluster", {{"ranks_per_node", 9}}), Contains("an integer in 1..8"));
  CHECK_THAT(generator_error("emulated_cluster", {{"inter_node_Gbps", 0}}), Contains("a number in 0.001..400"));
  CHECK_THAT(generator_error("emulated_cluster", {{"ranks", 2}}),
             Contains("did you mean 'nodes'") || Contains("valid parameters"));
}

// The shipped files are write_graphml() of these generators; to regenerate them after changing
// a generator, run: clustersim_tests "[.regenerate]"
const std::vector<std::pair<std::string, std::string>> kShipped = {{"dgx_h100.graphml", "dgx_h100_cluster:nodes=1"},
                                                                   {"mi300x_node.graphml", "mi300x_node:nodes=1"},
                                                                   {"rtx4090_box_2gpu.graphml", "rtx4090_box:gpus=2"},
                                                                   {"rtx4090_box_4gpu.graphml", "rtx4090_box:gpus=4"},
                                                                   {"rtx4090_box_8gpu.graphml", "rtx4090_box:gpus=8"}};

TEST_CASE("topologies: each shipped GraphML file equals its generator's topology", "[topologies][golden]") {
  for (const auto& [file, spec] : kShipped) {
    INFO(file << " vs " << spec << " (regenerate with: clustersim_tests \"[.regenerate]\")");
    const Topology shipped = load_topology((data_root() / "topologies" / file).string());
    testing::check_same_graph(shipped, topology_from_spec(spec));
  }
}

TEST_CASE("topologies: regenerate the shipped GraphML files from the generators", "[.regenerate]") {
  for (const auto& [file, spec] : kShipped) {
    std::ofstream out(data_root() / "topologies" / file);
    write_graphml(topology_from_spec(spec), out);
    REQUIRE(out.good());
  }
}

}  // namespace
}  // namespace clustersim::topo
