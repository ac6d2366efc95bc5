// SPDX-License-Identifier: Apache-2.0
// The network model's physics: an uncontended message costs latency + size/bandwidth, flows
// sharing one direction of a full-duplex link split it, opposite directions do not.
#include <catch2/catch.hpp>

#include <tuple>

#include "sim/simulate.hpp"
#include "support/fixtures.hpp"

using namespace clustersim;

namespace {

// A point-to-point message of more than 16 KiB goes as NCCL Simple: a kernel launch of
// 8.4 us (tuning.cc baseLat) and a per-hop latency of max(3.4 us NVLink hwLat, wire latency).
constexpr double kSimpleLaunch = 8.4e-6;
constexpr double kSimpleNvlinkHop = 3.4e-6;

sim::SimulationResult run(const model::TaskGraph& g, const topo::Topology& t, const model::DeviceProfile& d) {
  sim::SimulationInput input{.topology = &t, .gpu_of_rank = t.devices(), .device = &d};
  return sim::simulate(g, input);
}

}  // namespace

TEST_CASE("sim: an uncontended transfer costs latency + size/bandwidth", "[sim][physics]") {
  // System: gpu0 -> sw -> gpu1, 100 GB/s per direction, 1 us per edge (route latency 2 us).
  // Expectation: launch + max(hwLat, 2 us) + S/B, exactly, because CM02 without cross-traffic
  // or TCP window charges latency + size/bandwidth.
  const double bytes = GENERATE(1e6, 1e9);
  const auto topology = testing::star(2, 100e9, 1e-6);
  const auto device = testing::round_device();
  model::TaskGraph g;
  g.send("message", 0, 1, bytes);
  const double expected = kSimpleLaunch + std::max(kSimpleNvlinkHop, 2e-6) + bytes / 100e9;
  CHECK_THAT(run(g, topology, device).latency_s, Catch::Matchers::WithinRel(expected, 1e-9));
}

TEST_CASE("sim: two flows into one GPU share its link and take twice as long", "[sim][physics]") {
  // System: gpu0 -> gpu2 and gpu1 -> gpu2 at once; both cross sw -> gpu2 in the same direction.
  // Expectation: each gets half the bandwidth, so the transfer part doubles (launch latencies
  // are microseconds against 10 ms of transfer, hence the 1e-3 tolerance).
  const auto topology = testing::star(3, 100e9, 1e-6);
  const auto device = testing::round_device();
  model::TaskGraph g;
  g.send("a", 0, 2, 1e9);
  g.send("b", 1, 2, 1e9);
  CHECK_THAT(run(g, topology, device).latency_s, Catch::Matchers::WithinRel(2 * 1e9 / 100e9, 1e-3));
}

TEST_CASE("sim: opposite directions of a full-duplex link do not share it", "[sim][physics]") {
  // System: gpu0 -> gpu1 and gpu1 -> gpu0 at once on split-duplex links.
  // Expectation: each flow runs at the full 100 GB/s, as if alone (10 GB: the launch latencies
  // of tens of microseconds stay under the 1e-3 tolerance).
  const auto topology = testing::star(2, 100e9, 1e-6);
  const auto device = testing::round_device();
  model::TaskGraph g;
  g.send("a", 0, 1, 1e10);
  g.send("b", 1, 0, 1e10);
  CHECK_THAT(run(g, topology, device).latency_s, Catch::Matchers::WithinRel(1e10 / 100e9, 1e-3));
}

TEST_CASE("sim: a half-duplex link is shared by both directions", "[sim][physics]") {
  // System: the same exchange over half-duplex links. Expectation: the two flows split the
  // capacity, so it takes twice as long as on full duplex.
  auto full = testing::star(2, 100e9, 1e-6);
  std::vector<topo::Edge> edges = full.edges();
  for (auto& e : edges) e.duplex = topo::Duplex::half;
  const topo::Topology half("half", full.vertices(), edges, true, "<test>");
  const auto device = testing::round_device();
  model::TaskGraph g;
  g.send("a", 0, 1, 1e9);
  g.send("b", 1, 0, 1e9);
  CHECK_THAT(run(g, half, device).latency_s, Catch::Matchers::WithinRel(2 * 1e9 / 100e9, 1e-3));
}

TEST_CASE("sim: a link whose directions share something gives each its both-ways bandwidth when both are busy",
          "[sim][physics]") {
  // System: 100 GB/s per direction, 70 GB/s per direction while both carry traffic.
  // Expectation: the exchange takes S / 70 GB/s; one direction alone still S / 100 GB/s.
  auto full = testing::star(2, 100e9, 1e-6);
  std::vector<topo::Edge> edges = full.edges();
  for (auto& e : edges) e.both_ways_Bps = 70e9;
  const topo::Topology shared("shared", full.vertices(), edges, true, "<test>");
  const auto device = testing::round_device();
  model::TaskGraph exchange, one_way;
  exchange.send("a", 0, 1, 1e10);
  exchange.send("b", 1, 0, 1e10);
  one_way.send("a", 0, 1, 1e10);
  CHECK_THAT(run(exchange, shared, device).latency_s, Catch::Matchers::WithinRel(1e10 / 70e9, 1e-3));
  CHECK_THAT(run(one_way, shared, device).latency_s, Catch::Matchers::WithinRel(1e10 / 100e9, 1e-3));
}

TEST_CASE("sim: a kernel takes launch overhead plus its roofline time", "[sim][physics]") {
  // System: one GPU of the round profile (100 TFLOP/s, 1 TB/s, 2 us launch) runs a kernel that
  // reads 1 GB with 1 GFLOP. Expectation: 2 us + max(1e9/1e14, 1e9/1e12) = 1.002 ms.
  const auto topology = testing::star(2, 100e9, 1e-6);
  const auto device = testing::round_device();
  model::TaskGraph g;
  g.compute_each("kernel", {0}, {{1e9, 1e9}});
  CHECK_THAT(run(g, topology, device).latency_s, Catch::Matchers::WithinRel(2e-6 + 1e-3, 1e-9));
}

TEST_CASE("sim: topo::exchange_Bps is the rate each direction gets in a simulated exchange", "[sim][physics]") {
  // System: the three ways a link's directions can share it. Expectation: 10 GB each way at once
  // take 10 GB / exchange_Bps of the link (validate compares a timed rotation with that figure).
  const auto full = testing::star(2, 100e9, 1e-6);
  const auto [duplex, both_ways_Bps, rate_Bps] =
      GENERATE(std::tuple{topo::Duplex::full, 0.0, 100e9}, std::tuple{topo::Duplex::full, 70e9, 70e9},
               std::tuple{topo::Duplex::half, 0.0, 50e9});
  std::vector<topo::Edge> edges = full.edges();
  for (auto& e : edges) {
    e.duplex = duplex;
    e.both_ways_Bps = both_ways_Bps;
  }
  const topo::Topology t("t", full.vertices(), edges, true, "<test>");
  CHECK(topo::exchange_Bps(t.edges()[0]) == rate_Bps);
  model::TaskGraph exchange;
  exchange.send("a", 0, 1, 1e10);
  exchange.send("b", 1, 0, 1e10);
  CHECK_THAT(run(exchange, t, testing::round_device()).latency_s,
             Catch::Matchers::WithinRel(1e10 / topo::exchange_Bps(t.edges()[0]), 1e-3));
}
