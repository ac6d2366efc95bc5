// SPDX-License-Identifier: Apache-2.0
// The measured-profile writer: the YAML it emits has the contract's structure (figures with
// value, source, spread and a flag when the spread is too wide; curves; links; provenance),
// and, with the reader that knows the measured keys, loads back as the same figures.
#include <catch2/catch.hpp>

#include <yaml-cpp/yaml.h>

#include "calibrate/measured_profile.hpp"
#include "model/device_profile.hpp"
#include "support/scratch_dir.hpp"

namespace {

using namespace clustersim::calibrate;

MeasuredProfile sample_profile() {
  MeasuredProfile p;
  p.device = "cpu_testhost";
  p.description = "Test CPU (1 core per rank, 2 ranks), measured by clustersim calibrate";
  p.measured = {{"host", "testhost"},  {"date", "2026-11-23T12:00:00Z"}, {"method", "clustersim calibrate --quick"},
                {"cpu", "Test CPU, 2 cores"}, {"gpu", "none"}, {"libraries", "OpenBLAS 0.3.21; Open MPI v4.1.4"},
                {"ranks", "2"}, {"skipped", "cuda: built without CUDA"}};
  p.dense_TFLOPS["fp32"] = figure_from(Repeated{{0.05, 0.051, 0.0505}}, "sgemm: test");
  p.hbm_bandwidth_GBps = figure_from(Repeated{{9.0, 9.1, 9.2}}, "triad: test");
  p.memory_GB = {.value = 4, .source = "MemTotal / ranks"};
  p.launch_overhead_us = figure_from(Repeated{{1.0, 1.3, 1.2}}, "decode intercept: test");
  p.compute_efficiency = {.value = 1, .source = "best rate"};
  p.memory_efficiency = figure_from(Repeated{{0.55, 0.56, 0.54}}, "decode at the largest context");
  p.memory_efficiency_curve = EfficiencyCurve{.source = "decode sweep", .points = {{65536, 0.21}, {16777216, 0.55}}};
  p.compute_efficiency_curve = EfficiencyCurve{.source = "sgemm sweep", .points = {{2.0e6, 0.3}, {2.147483648e9, 1.0}}};
  p.links["shared_memory"] = {.latency_us = figure_from(Repeated{{0.6, 0.62, 0.61}}, "ping-pong fit"),
                              .bandwidth_GBps = figure_from(Repeated{{6.5, 6.4, 6.6}}, "same fit, B"),
                              .r_squared = 0.998};
  return p;
}

}  // namespace

TEST_CASE("a figure's spread is (max - min) / median, and one above 10 % is flagged with why", "[calibrate]") {
  const MeasuredFigure steady = figure_from(Repeated{{10, 10.5, 9.5}}, "s");
  CHECK(steady.value == 10);
  CHECK(*steady.spread == Approx(0.10));
  CHECK(steady.flagged.empty());
  const MeasuredFigure noisy = figure_from(Repeated{{10, 12.3, 10}}, "s");
  CHECK(*noisy.spread == Approx(0.23));
  CHECK(noisy.flagged == "spread 23 % over 3 repetitions exceeds 10 %");
}

TEST_CASE("the median of an even count is the mean of the middle two", "[calibrate]") {
  CHECK(Repeated{{4, 1, 3, 2}}.median() == 2.5);
  CHECK(Repeated{{5}}.spread() == 0);
}

TEST_CASE("a measured profile's name is cpu_ and the host name made safe", "[calibrate]") {
  CHECK(measured_profile_name("Build-Box.example") == "cpu_build_box_example");
  CHECK(measured_profile_name("vm") == "cpu_vm");
}

TEST_CASE("the writer emits the contract's measured-profile structure", "[calibrate]") {
  const YAML::Node y = YAML::Load(to_yaml(sample_profile()));
  CHECK(y["device"].as<std::string>() == "cpu_testhost");
  CHECK(y["provenance"].as<std::string>() == "measured");
  SECTION("provenance: every key of the measured block, as strings, in order") {
    std::vector<std::string> keys;
    for (const auto& entry : y["measured"]) keys.push_back(entry.first.as<std::string>());
    CHECK(keys == std::vector<std::string>{"host", "date", "method", "cpu", "gpu", "libraries", "ranks", "skipped"});
    CHECK(y["measured"]["ranks"].as<std::string>() == "2");
    CHECK(y["measured"]["skipped"].as<std::string>() == "cuda: built without CUDA");
  }
  SECTION("figures: value, source and spread; flagged only when the spread is over 10 %") {
    const YAML::Node hbm = y["hbm_bandwidth_GBps"];
    CHECK(hbm["value"].as<double>() == Approx(9.1));
    CHECK(hbm["source"].as<std::string>() == "triad: test");
    CHECK(hbm["spread"].as<double>() == Approx(0.2 / 9.1).epsilon(1e-3));
    CHECK(!hbm["flagged"]);
    CHECK(y["launch_overhead_us"]["flagged"].as<std::string>() == "spread 25 % over 3 repetitions exceeds 10 %");
    CHECK(!y["memory_GB"]["spread"]);
    CHECK(y["dense_TFLOPS"]["fp32"]["value"].as<double>() == Approx(0.0505));
  }
  SECTION("curves: [size, efficiency] pairs, sizes as whole numbers") {
    const YAML::Node points = y["memory_efficiency_curve"]["points"];
    REQUIRE(points.size() == 2);
    CHECK(points[0][0].as<std::string>() == "65536");
    CHECK(points[1][1].as<double>() == Approx(0.55));
    CHECK(y["compute_efficiency_curve"]["points"][1][0].as<std::string>() == "2147483648");
  }
  SECTION("links: one-hop latency and bandwidth with spread, and the fit's R squared") {
    const YAML::Node link = y["links"]["shared_memory"];
    CHECK(link["latency_us"]["value"].as<double>() == Approx(0.61));
    CHECK(link["bandwidth_GBps"]["spread"].as<double>() == Approx(0.2 / 6.5).epsilon(1e-3));
    CHECK(link["r_squared"].as<double>() == Approx(0.998));
  }
}

// Needs the device-profile reader that accepts the measured keys (measured.cpu/gpu/libraries/
// ranks/skipped, spread, flagged, curves, links) from the helper extending model/; hidden until
// that reader is merged, then remove the leading dot from the tag.
TEST_CASE("a written profile loads back with the same figures in SI units", "[calibrate]") {
  const clustersim::testing::TempFile file("cpu_testhost.yaml", to_yaml(sample_profile()));
  const clustersim::model::DeviceProfile p = clustersim::model::load_device_profile(file.path());
  CHECK(p.provenance == "measured");
  CHECK(p.flops(clustersim::model::DType::fp32) == Approx(0.0505e12));
  CHECK(p.hbm_bandwidth.value == Approx(9.1e9));
  CHECK(p.launch_overhead.value == Approx(1.2e-6));
  CHECK(p.memory_efficiency.value == Approx(0.55));
}
