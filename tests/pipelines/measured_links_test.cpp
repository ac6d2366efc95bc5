// SPDX-License-Identifier: Apache-2.0
// A measured profile's link figures reach the simulation: a one-hop message on cpu_host costs the
// profile's α + S/β instead of the topology's assumed figures, results say where figures came
// from, and the runner reports the profile and its flagged figures.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>

#include "model/measured_links.hpp"
#include "pipelines/simulate_scenario.hpp"
#include "sim/simulate.hpp"
#include "support/scratch_dir.hpp"

using namespace clustersim;
using Catch::Matchers::WithinRel;

namespace {

const std::string kFixture = std::string(CLUSTERSIM_SOURCE_DIR) + "/tests/fixtures/cpu_measured.yaml";

// The fixture's links.shared_memory and cpu_host's assumed shared_memory figures.
constexpr double kMeasuredAlpha = 0.5e-6, kMeasuredBeta = 4e9;
constexpr double kAssumedAlpha = 1e-6, kAssumedBeta = 10e9;

std::string text_of(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

double one_message(const topo::Topology& t, const model::DeviceProfile& device, double bytes) {
  model::TaskGraph g;
  g.send("message", 0, 1, bytes);
  return sim::simulate(g, {.topology = &t,
                           .gpu_of_rank = t.devices(),
                           .device = &device,
                           .collectives = {.library = sim::Library::mpi}})
      .latency_s;
}

}  // namespace

TEST_CASE("runner: measured link figures replace a class's edges; a message costs the measured α + S/β",
          "[runner][measured]") {
  const model::DeviceProfile device = model::load_device_profile(kFixture);
  const topo::Topology assumed = topo::topology_from_spec("cpu_host:ranks=2");
  REQUIRE(model::has_measured_links(assumed, device));
  const topo::Topology measured = model::with_measured_links(assumed, device);
  REQUIRE(measured.edges().size() == 1);
  CHECK(measured.edges()[0].latency_s == kMeasuredAlpha);
  CHECK(measured.edges()[0].bandwidth_Bps == kMeasuredBeta);
  CHECK_THAT(measured.edges()[0].source,
             Catch::Matchers::Contains("measured") && Catch::Matchers::Contains("fixture ping-pong fit"));
  const double bytes = GENERATE(8.0, 1e6);
  CHECK_THAT(one_message(measured, device, bytes), WithinRel(kMeasuredAlpha + bytes / kMeasuredBeta, 1e-9));
  CHECK_THAT(one_message(assumed, device, bytes), WithinRel(kAssumedAlpha + bytes / kAssumedBeta, 1e-9));
  AND_THEN("a class the profile does not measure keeps its figures") {
    const topo::Topology cluster = topo::topology_from_spec("emulated_cluster:nodes=2,ranks_per_node=2");
    const topo::Topology applied = model::with_measured_links(cluster, device);
    for (std::size_t i = 0; i < cluster.edges().size(); ++i) {
      const bool shm = cluster.edges()[i].link_class == topo::LinkClass::shared_memory;
      CHECK(applied.edges()[i].latency_s == (shm ? kMeasuredAlpha : cluster.edges()[i].latency_s));
      CHECK(applied.edges()[i].bandwidth_Bps == (shm ? kMeasuredBeta : cluster.edges()[i].bandwidth_Bps));
    }
    const auto sources = model::figure_sources(cluster, device);
    CHECK(sources == std::map<std::string, std::string>{{"device", "measured"},
                                                        {"links.shared_memory", "measured"},
                                                        {"links.ethernet", "assumption"},
                                                        {"links.pcie", "assumption"}});
  }
}

TEST_CASE(
    "runner: a measured both-ways bandwidth makes the link full duplex with that rate per direction when both "
    "directions move",
    "[runner][measured]") {
  model::DeviceProfile device = model::load_device_profile(kFixture);
  const topo::Topology assumed = topo::topology_from_spec("cpu_host:ranks=2");
  REQUIRE(assumed.edges()[0].duplex == topo::Duplex::half);  // the assumption it replaces
  auto applied = [&](double both_ways_Bps) {
    device.links[topo::LinkClass::shared_memory].both_ways = {both_ways_Bps, "fixture exchange"};
    return model::with_measured_links(assumed, device);
  };
  const topo::Topology measured = applied(3e9);
  CHECK(measured.edges()[0].duplex == topo::Duplex::full);
  CHECK(measured.edges()[0].both_ways_Bps == 3e9);
  CHECK_THAT(measured.edges()[0].source, Catch::Matchers::Contains("both ways fixture exchange"));
  // An exchange of S each way: α + S / 3 GB/s; one way alone: α + S / β.
  model::TaskGraph exchange;
  exchange.send("a", 0, 1, 1e8);
  exchange.send("b", 1, 0, 1e8);
  CHECK_THAT(sim::simulate(exchange, {.topology = &measured,
                                      .gpu_of_rank = measured.devices(),
                                      .device = &device,
                                      .collectives = {.library = sim::Library::mpi}})
                 .latency_s,
             WithinRel(kMeasuredAlpha + 1e8 / 3e9, 1e-9));
  CHECK_THAT(one_message(measured, device, 1e8), WithinRel(kMeasuredAlpha + 1e8 / kMeasuredBeta, 1e-9));
  // Both directions together carry at least what one carries alone (β/2 each); as fast as one
  // way means independent directions.
  CHECK(applied(1e9).edges()[0].both_ways_Bps == kMeasuredBeta / 2);
  CHECK(applied(kMeasuredBeta).edges()[0].both_ways_Bps == 0);
}

TEST_CASE("runner: a measured both-ways latency replaces each edge's, never below its latency", "[runner][measured]") {
  model::DeviceProfile device = model::load_device_profile(kFixture);
  const topo::Topology assumed = topo::topology_from_spec("cpu_host:ranks=2");
  auto applied = [&](double both_ways_s) {
    device.links[topo::LinkClass::shared_memory].both_ways_latency = {both_ways_s, "fixture exchange of 8 B"};
    return model::with_measured_links(assumed, device).edges()[0];
  };
  CHECK(applied(0).both_ways_latency_s == 0);  // not measured
  const topo::Edge measured = applied(3 * kMeasuredAlpha);
  CHECK(measured.both_ways_latency_s == 3 * kMeasuredAlpha);
  CHECK_THAT(measured.source, Catch::Matchers::Contains("both-ways latency fixture exchange of 8 B"));
  CHECK(applied(kMeasuredAlpha / 2).both_ways_latency_s == kMeasuredAlpha);  // noise below one way
}

TEST_CASE("runner: a 2-rank cpu_host tree case with measured links differs by the derived message costs",
          "[runner][measured]") {
  // System: tree attention on cpu_host:ranks=2 under library mpi, with the fixture profile and
  // with the same profile stripped of its links. The query broadcast is a 2-rank chain of one
  // chunk, α + S/β; every allreduce is 2 ranks and under 16 KiB (recursive doubling): one
  // exchange of the whole vector, both directions at once on the half-duplex shared-memory link,
  // α + 2S/β. Kernels are the same in both runs, so the latencies differ by Σ over the
  // collectives of Δα + k·S·Δ(1/β), k = 2 for the exchanges and 1 for the broadcast.
  clustersim::testing::ScratchDir dir;
  const std::string profile = text_of(kFixture);
  const std::string without_links = dir.write("no_links.yaml", profile.substr(0, profile.find("links:")));
  auto scenario_with = [&](const std::string& device) {
    return scenarios::parse_scenario("name: measured\ntopology: {generator: cpu_host, ranks: 2}\ndevice: " + device +
                                         "\nworkload: {heads: 16, head_dim: 128, context: 1000, dtype: fp32}\n"
                                         "strategies: [tree]\ncollectives: {library: mpi}\n",
                                     "<test>");
  };
  std::vector<std::string> profiles, warnings;
  pipelines::RunOptions options{.jobs = 1};
  options.on_profile = [&](const std::string& line) { profiles.push_back(line); };
  options.on_warning = [&](const std::string& line) { warnings.push_back(line); };
  const auto measured = pipelines::simulate_scenario(scenario_with(kFixture), options).cases.at(0);
  const auto assumed = pipelines::simulate_scenario(scenario_with(without_links), {.jobs = 1}).cases.at(0);
  REQUIRE(measured.status == results::CaseStatus::ok);
  REQUIRE(measured.collectives.size() == assumed.collectives.size());
  REQUIRE_FALSE(measured.collectives.empty());
  double expected = 0;
  for (const auto& c : measured.collectives) {
    CHECK(c.algorithm == (c.kind == "allreduce" ? "recursive_doubling" : "ring"));
    const double directions = c.kind == "allreduce" ? 2 : 1;
    expected += (kMeasuredAlpha - kAssumedAlpha) + directions * c.bytes * (1 / kMeasuredBeta - 1 / kAssumedBeta);
  }
  CHECK_THAT(measured.latency_s - assumed.latency_s, WithinRel(expected, 1e-6));
  CHECK(measured.compute_s == assumed.compute_s);
  CHECK(measured.figure_sources.at("links.shared_memory") == "measured");
  CHECK(assumed.figure_sources.at("links.shared_memory") == "assumption");
  REQUIRE(profiles.size() == 1);
  CHECK(profiles[0] == "# device cpu_testhost: measured (" + kFixture +
                           "); links measured: shared_memory; flagged: launch_overhead_us");
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Catch::Matchers::Contains("launch_overhead_us is flagged: spread 25 % over repetitions"));
}
