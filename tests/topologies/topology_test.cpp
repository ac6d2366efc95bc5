// SPDX-License-Identifier: Apache-2.0
// Topology's contract: the constructor rejects broken graphs naming the element, and route()
// follows the routing policy (lowest latency, then fewest hops; GPUs and cpus never forward;
// without peer-to-peer, GPU traffic bounces through the nearest cpu and its backplane).
#include <catch2/catch.hpp>

#include "common/input_error.hpp"
#include "topologies/topology.hpp"

namespace clustersim::topo {
namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

Vertex vertex(const std::string& id, VertexKind kind, double backplane_Bps = 0) {
  return Vertex{id, kind, "n0", backplane_Bps, "test"};
}

Edge edge(int a, int b, double latency_s, double bandwidth_Bps = 10e9, LinkClass cls = LinkClass::pcie) {
  return Edge{a, b, cls, bandwidth_Bps, latency_s, Duplex::full, "test"};
}

/// The vertex ids a route visits, from its start to its end.
std::vector<std::string> path_of(const Topology& t, int from, const Route& r) {
  std::vector<std::string> ids{t.vertices()[from].id};
  for (const Hop& hop : r.hops) {
    const Edge& e = t.edges()[hop.edge];
    ids.push_back(t.vertices()[hop.forward ? e.b : e.a].id);
  }
  return ids;
}

std::string construction_error(std::vector<Vertex> vertices, std::vector<Edge> edges, bool p2p = true) {
  try {
    Topology("t", std::move(vertices), std::move(edges), p2p, "test.graphml");
  } catch (const InputError& e) { return e.what(); }
  FAIL("the topology was accepted");
  return {};
}

TEST_CASE("topologies: the constructor rejects broken graphs and names the element", "[topologies][errors]") {
  const auto gpu = VertexKind::gpu;
  const auto sw = VertexKind::pcie_switch;
  SECTION("duplicate id") {
    const auto msg = construction_error({vertex("g0", gpu), vertex("g0", gpu)}, {edge(0, 1, 0)});
    CHECK_THAT(msg, Contains("test.graphml") && Contains("duplicate vertex id 'g0'"));
  }
  SECTION("edge endpoint out of range") {
    CHECK_THAT(construction_error({vertex("g0", gpu)}, {edge(0, 3, 0)}), Contains("edge #0") && Contains("0..0"));
  }
  SECTION("self loop") {
    CHECK_THAT(construction_error({vertex("g0", gpu), vertex("g1", gpu)}, {edge(0, 1, 0), edge(1, 1, 0)}),
               Contains("edge 'g1--g1'") && Contains("to itself"));
  }
  SECTION("zero, negative or infinite bandwidth") {
    const double bad = GENERATE(0.0, -1e9, std::numeric_limits<double>::infinity());
    CHECK_THAT(construction_error({vertex("g0", gpu), vertex("g1", gpu)}, {edge(0, 1, 0, bad)}),
               Contains("edge 'g0--g1'") && Contains("expected a finite number > 0"));
  }
  SECTION("negative latency") {
    CHECK_THAT(construction_error({vertex("g0", gpu), vertex("g1", gpu)}, {edge(0, 1, -1e-6)}),
               Contains("edge 'g0--g1'") && Contains(">= 0"));
  }
  SECTION("a gpu whose switch leads nowhere else") {
    // g2 hangs off a switch that touches nothing but g2, so no other endpoint is reachable.
    const auto msg = construction_error({vertex("g0", gpu), vertex("g1", gpu), vertex("g2", gpu), vertex("s", sw)},
                                        {edge(0, 1, 0), edge(2, 3, 0)});
    CHECK_THAT(msg, Contains("test.graphml") && Contains("gpu 'g2' is not connected"));
  }
  SECTION("a gpu connected only through another gpu") {
    // g2 -- g1 -- s -- g0: g1 would have to forward, which GPUs never do; but g2 still reaches g1.
    CHECK_NOTHROW(Topology("t", {vertex("g0", gpu), vertex("g1", gpu), vertex("g2", gpu), vertex("s", sw)},
                           {edge(0, 3, 0), edge(1, 3, 0), edge(2, 1, 0)}, true, "x"));
  }
  SECTION("without peer-to-peer every gpu must reach a cpu") {
    CHECK_THAT(construction_error({vertex("g0", gpu), vertex("g1", gpu)}, {edge(0, 1, 0)}, false),
               Contains("gpu 'g0' reaches no cpu"));
  }
}

TEST_CASE("topologies: find() returns the index of an id or -1", "[topologies][physics]") {
  const Topology t("t", {vertex("g0", VertexKind::gpu), vertex("g1", VertexKind::gpu)}, {edge(0, 1, 0)}, true, "x");
  CHECK(t.find("g1") == 1);
  CHECK(t.find("nope") == -1);
  CHECK(t.devices() == std::vector<int>{0, 1});
}

TEST_CASE("topologies: a route takes the lowest latency, then the fewest hops", "[topologies][physics]") {
  // System: a -- s1 -- s2 -- b (1 + 0 + 1 us, 3 hops), a -- s3 -- b (1 + 1 us, 2 hops),
  // a -- s4 -- s5 -- s6 -- b (0.5 us each, 4 hops, 2 us). Expectations: the three tie at 2 us,
  // so the 2-hop path wins; once s4's path drops to 1.5 us it wins despite 4 hops.
  auto build = [](double last_hop_s) {
    std::vector<Vertex> v{vertex("a", VertexKind::gpu), vertex("b", VertexKind::gpu)};
    for (const char* id : {"s1", "s2", "s3", "s4", "s5", "s6"}) v.push_back(vertex(id, VertexKind::pcie_switch));
    return Topology("t", v,
                    {edge(0, 2, 1e-6), edge(2, 3, 0), edge(3, 1, 1e-6), edge(0, 4, 1e-6), edge(4, 1, 1e-6),
                     edge(0, 5, 0.5e-6), edge(5, 6, 0.5e-6), edge(6, 7, 0.5e-6), edge(7, 1, last_hop_s)},
                    true, "x");
  };
  const Topology tie = build(0.5e-6);
  CHECK(path_of(tie, 0, tie.route(0, 1)) == std::vector<std::string>{"a", "s3", "b"});
  const Topology faster = build(0.0);
  const Route r = faster.route(0, 1);
  CHECK(path_of(faster, 0, r) == std::vector<std::string>{"a", "s4", "s5", "s6", "b"});
  CHECK_THAT(r.latency_s, WithinRel(1.5e-6, 1e-12));  // sum of the hop latencies, up to rounding
}

TEST_CASE("topologies: GPUs and cpus do not forward traffic", "[topologies][physics]") {
  // System: a -- b -- c over fast NVLink (0.1 us each) and a -- s -- c over slow PCIe (1 us each).
  // Expectation: a -> c goes through switch s, because gpu b is never a transit vertex.
  const Topology t("t",
                   {vertex("a", VertexKind::gpu), vertex("b", VertexKind::gpu), vertex("c", VertexKind::gpu),
                    vertex("s", VertexKind::pcie_switch)},
                   {edge(0, 1, 0.1e-6, 10e9, LinkClass::nvlink), edge(1, 2, 0.1e-6, 10e9, LinkClass::nvlink),
                    edge(0, 3, 1e-6), edge(3, 2, 1e-6)},
                   true, "x");
  CHECK(path_of(t, 0, t.route(0, 2)) == std::vector<std::string>{"a", "s", "c"});
  CHECK(path_of(t, 0, t.route(0, 1)) == std::vector<std::string>{"a", "b"});
}

TEST_CASE("topologies: a route lists backplanes it passes and is limited by the smallest one",
          "[topologies][physics]") {
  // System: g0 -- sw (backplane 5 GB/s) -- g1 with 10 GB/s links. Expectation: the switch is a
  // transit vertex with a finite backplane, so it is listed and caps the route at 5 GB/s.
  const Topology t(
      "t", {vertex("g0", VertexKind::gpu), vertex("g1", VertexKind::gpu), vertex("sw", VertexKind::pcie_switch, 5e9)},
      {edge(0, 2, 1e-6), edge(1, 2, 2e-6)}, true, "x");
  const Route r = t.route(0, 1);
  CHECK(r.backplanes == std::vector<int>{2});
  CHECK(r.bottleneck_Bps == 5e9);
  CHECK_THAT(r.latency_s, WithinRel(3e-6, 1e-12));
  CHECK(r.hops.size() == 2);
  CHECK(r.hops[0].forward);
  CHECK_FALSE(r.hops[1].forward);  // edge 1 is stored as g1--sw and crossed from sw to g1
}

TEST_CASE("topologies: route() takes endpoints only; a route to itself is empty", "[topologies][errors]") {
  const Topology t(
      "t", {vertex("g0", VertexKind::gpu), vertex("g1", VertexKind::gpu), vertex("sw", VertexKind::pcie_switch)},
      {edge(0, 2, 1e-6), edge(1, 2, 1e-6)}, true, "x");
  CHECK_THROWS_AS(t.route(0, 2), std::invalid_argument);
  CHECK_THROWS_AS(t.route(0, 7), std::invalid_argument);
  const Route self = t.route(1, 1);
  CHECK(self.hops.empty());
  CHECK(self.latency_s == 0);
}

}  // namespace
TEST_CASE("topologies: traffic between a disk and a gpu is staged in the memory of the disk's cpu", "[topologies]") {
  // gpu -- sw -- cpu -- disk, the cpu a 100 GB/s backplane: the route crosses the cpu, which an
  // endpoint never forwards through otherwise, and its memory bandwidth.
  const Topology t("t",
                   {vertex("g0", VertexKind::gpu), vertex("sw", VertexKind::pcie_switch),
                    vertex("cpu", VertexKind::cpu, 100e9), vertex("disk", VertexKind::disk, 3e9)},
                   {edge(0, 1, 1e-6, 32e9), edge(1, 2, 1e-6, 32e9), edge(3, 2, 2e-6, 8e9)}, true, "<test>");
  const Route r = t.route(3, 0);
  CHECK(r.hops.size() == 3);
  CHECK(r.latency_s == Approx(4e-6));
  CHECK(r.backplanes == std::vector<int>{3, 2});
  CHECK(r.bottleneck_Bps == 3e9);  // the disk's own read rate
  CHECK(t.route(0, 3).hops.size() == 3);
  CHECK(t.nearest_cpu(0) == 2);
  CHECK(t.nearest_disk(0) == 3);
  CHECK(t.route(3, 2).hops.size() == 1);  // to its cpu directly
}

}  // namespace clustersim::topo
