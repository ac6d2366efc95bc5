// SPDX-License-Identifier: Apache-2.0
// The device-profile writer and the editing API: a profile written by to_yaml reads back equal,
// field for field and number for number, whatever its values; a scaled figure says by how much
// and why; a link added to a profile is what the simulator's topology takes from it.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <stdexcept>

#include "model/device_profile.hpp"
#include "model/measured_links.hpp"
#include "support/scratch_dir.hpp"
#include "topologies/topology.hpp"

namespace {

using namespace clustersim;
using model::DeviceProfile;
using model::DType;
using model::Figure;
using model::LinkFigures;
using topo::LinkClass;

const std::string kFixture = std::string(CLUSTERSIM_SOURCE_DIR) + "/tests/fixtures/cpu_measured.yaml";

/// A measured profile with every kind of field, its numbers not round in any unit.
DeviceProfile every_field() {
  DeviceProfile p;
  p.name = "cpu_everything";
  p.description = "a \"quoted\" CPU: 2 cores, # not a comment,\tand a tab";
  p.provenance = "measured";
  p.origin = "<every field>";
  p.measured = {{"host", "h"},
                {"date", "2026-01-01T00:00:00Z"},
                {"method", "m: with a colon"},
                {"cpu", "c"},
                {"gpu", "none"},
                {"libraries", "l; l2"},
                {"ranks", "2"},
                {"skipped", "cuda: no GPU\nmpi: second line"}};
  p.dense_flops[DType::fp32] = {.value = 66.9e12, .source = "sgemm", .spread = 0.0123456789};
  p.dense_flops[DType::bf16] = {.value = 1.0 / 3 * 1e12, .source = "a third", .flagged = "spread 30 %"};
  p.hbm_bandwidth = {.value = std::nextafter(3.35e12, 0.0), .source = "triad", .spread = 0};
  p.memory_capacity = {.value = 12.6e9 / 7, .source = "MemTotal / 7"};
  p.launch_overhead = {.value = 0.1 + 0.2, .source = "fit alpha", .spread = 1.5, .flagged = "noisy"};
  p.compute_efficiency = {.value = 1, .source = "best rate"};
  p.memory_efficiency = {.value = 2.0 / 3, .source = "decode"};
  p.memory_efficiency_curve = {.points = {{1000.5, 0.2}, {1e5, 1.0 / 7}, {1e23, 1}}, .source = "decode sweep"};
  p.compute_efficiency_curve = {.points = {{2e6, 1e-7}, {2.147483648e9, 0.999999999999}}, .source = "sgemm sweep"};
  p.links[LinkClass::shared_memory] = {
      .latency = {.value = 0.61e-6 / 3, .source = "ping-pong fit", .spread = 0.05},
      .bandwidth = {.value = 6.5e9 / 3, .source = "64 MiB ping-pong"},
      .both_ways = {.value = 4.1e9 / 3, .source = "64 MiB exchange", .flagged = "half the one-way rate"},
      .both_ways_latency = {.value = 1.23456789e-6, .source = "8 B exchange"},
      .r_squared = -0.25};
  p.links[LinkClass::ethernet] = {.latency = {.value = 25e-6, .source = "tcp"},
                                  .bandwidth = {.value = 0.0625e9, .source = "tbf"},
                                  .r_squared = 0.99};
  return p;
}

DeviceProfile read_back(const DeviceProfile& p) { return model::parse_device_profile(model::to_yaml(p), p.origin); }

}  // namespace

TEST_CASE("model: a profile with every kind of field reads back from to_yaml equal, field for field", "[model]") {
  const DeviceProfile p = every_field();
  INFO(model::to_yaml(p));
  const DeviceProfile back = read_back(p);
  CHECK(back == p);
  // Field by field too, so that a difference names itself.
  CHECK(back.description == p.description);
  CHECK(back.measured == p.measured);
  CHECK(back.dense_flops == p.dense_flops);
  CHECK(back.hbm_bandwidth == p.hbm_bandwidth);
  CHECK(back.memory_capacity == p.memory_capacity);
  CHECK(back.launch_overhead == p.launch_overhead);
  CHECK(back.memory_efficiency == p.memory_efficiency);
  CHECK(back.memory_efficiency_curve == p.memory_efficiency_curve);
  CHECK(back.compute_efficiency_curve == p.compute_efficiency_curve);
  CHECK(back.links == p.links);
}

TEST_CASE("model: numbers are written in the file's units as the shortest decimal that reads back the same",
          "[model]") {
  DeviceProfile p = every_field();
  p.dense_flops = {{DType::fp16, {.value = 989.4e12, .source = "s"}}};
  p.hbm_bandwidth.value = 3350e9;
  p.memory_capacity.value = 80e9;
  p.launch_overhead = {.value = 4e-6, .source = "s"};
  const std::string text = model::to_yaml(p, "first line\nsecond line");
  INFO(text);
  CHECK(text.rfind("# first line\n# second line\n", 0) == 0);
  CHECK(text.find("fp16: {value: 989.4, source: \"s\"}\n") != std::string::npos);
  CHECK(text.find("hbm_bandwidth_GBps: {value: 3350, source: \"triad\", spread: 0}\n") != std::string::npos);
  CHECK(text.find("memory_GB: {value: 80, ") != std::string::npos);
  CHECK(text.find("launch_overhead_us: {value: 4, source: \"s\"}\n") != std::string::npos);
  CHECK(text.find("points: [[1000.5, 0.2], [100000, 0.14285714285714285], [1e23, 1]]") != std::string::npos);
  // A link's both-ways figures are left out while not measured (value 0), as the reader defaults them.
  CHECK(text.find("ethernet:\n    latency_us: {value: 25, source: \"tcp\"}\n    bandwidth_GBps: {value: 0.0625, "
                  "source: \"tbf\"}\n    r_squared: 0.99\n") != std::string::npos);

  // Any double, in any of the file's units, comes back as itself.
  std::mt19937_64 random(20260101);
  std::uniform_real_distribution<double> exponent(-12, 16);
  std::uniform_real_distribution<double> fraction(1e-9, 1);
  for (int i = 0; i < 2000; ++i) {
    const auto any = [&] { return std::pow(10.0, exponent(random)) * fraction(random); };
    p.dense_flops[DType::fp16].value = any();
    p.hbm_bandwidth.value = any();
    p.memory_capacity.value = any();
    p.launch_overhead.value = any();
    p.memory_efficiency.value = fraction(random);
    p.links[LinkClass::ethernet].latency.value = any();
    p.links[LinkClass::ethernet].r_squared = fraction(random);
    const DeviceProfile back = read_back(p);
    REQUIRE(back == p);
  }
}

TEST_CASE("model: the shipped profiles and the measured fixture read back from to_yaml unchanged", "[model]") {
  const std::string name = GENERATE(as<std::string>{}, "h100_sxm", "h200_sxm", "mi300x", "rtx4090", "cpu_core",
                                    "a100_sxm", "h20", "t4", "rtx_a6000", kFixture);
  const DeviceProfile p = model::load_device_profile(name);
  CHECK(read_back(p) == p);
}

TEST_CASE("model: figures_in_file lists every figure with its key, unit and value as written", "[model]") {
  const DeviceProfile p = model::load_device_profile(kFixture);
  const std::vector<model::FigureInFile> figures = p.figures_in_file();
  std::vector<std::string> keys;
  for (const model::FigureInFile& f : figures) keys.push_back(f.key);
  CHECK(keys == std::vector<std::string>{"dense_TFLOPS.fp32", "hbm_bandwidth_GBps", "memory_GB", "launch_overhead_us",
                                         "compute_efficiency", "memory_efficiency", "links.shared_memory.latency_us",
                                         "links.shared_memory.bandwidth_GBps"});
  CHECK(figures[0].unit == "TFLOPS");
  CHECK(figures[0].value == "0.05");
  CHECK(figures[1].unit == "GB/s");
  CHECK(figures[3].value == "1");
  CHECK(figures[3].figure.flagged == "spread 25 % over repetitions");
  CHECK(figures[4].unit.empty());
  CHECK(figures[6].unit == "us");
  CHECK(figures[6].value == "0.5");
}

TEST_CASE("model: a scaled figure takes the factor, says why in its source, and loses its spread and flag", "[model]") {
  const Figure triad{.value = 10e9,
                     .source = "triad (raw: memory_bandwidth.csv)",
                     .spread = 0.12,
                     .flagged = "spread 12 % over 3 repetitions exceeds 10 %"};
  const Figure slower = model::scaled(triad, 0.75, "the decode kernel ran at 7.50 GB/s against 10.00 GB/s");
  CHECK(slower.value == 7.5e9);
  CHECK(slower.source ==
        "triad (raw: memory_bandwidth.csv); x 0.7500: the decode kernel ran at 7.50 GB/s against 10.00 GB/s");
  CHECK_FALSE(slower.spread);
  CHECK(slower.flagged.empty());

  // As the retimed profile of a validation is written and read by the simulator.
  DeviceProfile p = model::load_device_profile(kFixture);
  p.hbm_bandwidth = model::scaled(p.hbm_bandwidth, 1.0 / 3, "a third");
  const DeviceProfile back = read_back(p);
  CHECK(back.hbm_bandwidth == p.hbm_bandwidth);
  CHECK(back.hbm_bandwidth.value == Approx(10e9 / 3).epsilon(1e-15));
  CHECK(back.hbm_bandwidth.source == "fixture; x 0.3333: a third");
  CHECK_FALSE(back.hbm_bandwidth.spread);
}

TEST_CASE("model: a link added to a profile is what the simulator's topology takes from the written file",
          "[model][measured]") {
  const LinkFigures ethernet{
      .latency = {.value = 37.5e-6 / 3, .source = "ping-pong over TCP, per ethernet hop", .spread = 0.04},
      .bandwidth = {.value = 0.0598e9, .source = "largest message"},
      .both_ways_latency = {.value = 61e-6 / 3, .source = "exchange", .spread = 0.2},
      .r_squared = 0.97};
  const DeviceProfile machine = model::load_device_profile(kFixture);
  const DeviceProfile cluster = model::with_link(machine, LinkClass::ethernet, ethernet);
  CHECK(cluster.links.at(LinkClass::shared_memory) == machine.links.at(LinkClass::shared_memory));

  const testing::TempFile file("cluster.yaml", model::to_yaml(cluster, "the fixture with an ethernet link"));
  const DeviceProfile loaded = model::load_device_profile(file.path());
  REQUIRE(loaded.links.count(LinkClass::ethernet) == 1);
  CHECK(loaded.links.at(LinkClass::ethernet) == ethernet);
  CHECK(loaded.hbm_bandwidth == machine.hbm_bandwidth);

  const topo::Topology topology =
      model::with_measured_links(topo::topology_from_spec("emulated_cluster:nodes=2,ranks_per_node=1"), loaded);
  int ethernet_edges = 0;
  for (const topo::Edge& e : topology.edges()) {
    if (e.link_class != LinkClass::ethernet) continue;
    ++ethernet_edges;
    CHECK(e.latency_s == ethernet.latency.value);
    CHECK(e.bandwidth_Bps == ethernet.bandwidth.value);
  }
  CHECK(ethernet_edges > 0);
}

TEST_CASE("model: with_link refuses a link the file could not carry", "[model][errors]") {
  const DeviceProfile machine = model::load_device_profile(kFixture);
  const Figure ok{.value = 1e-6, .source = "fit"};
  CHECK_THROWS_AS(model::with_link(machine, LinkClass::ethernet, {.latency = ok, .bandwidth = {.value = 1e9}}),
                  std::invalid_argument);
  CHECK_THROWS_AS(
      model::with_link(machine, LinkClass::ethernet, {.latency = {.value = 0, .source = "fit"}, .bandwidth = ok}),
      std::invalid_argument);
  CHECK_NOTHROW(model::with_link(machine, LinkClass::ethernet, {.latency = ok, .bandwidth = ok}));
}
