// SPDX-License-Identifier: Apache-2.0
// The measured profile as calibration writes it: figures with value, source, spread and a flag
// when the spread is too wide; curves; links; provenance; numbers to four significant digits and
// curve sizes whole; and it loads back as the same figures.
#include <catch2/catch.hpp>

#include "calibrate/measured_profile.hpp"
#include "model/device_profile.hpp"
#include "support/scratch_dir.hpp"

namespace {

using namespace clustersim::calibrate;
using clustersim::model::DeviceProfile;
using clustersim::model::DType;
using clustersim::model::Figure;
using clustersim::topo::LinkClass;

DeviceProfile sample_profile() {
  DeviceProfile p;
  p.name = "cpu_testhost";
  p.description = "Test CPU (1 core per rank, 2 ranks), measured by clustersim calibrate";
  p.provenance = "measured";
  p.measured = {{"host", "testhost"},
                {"date", "2026-11-23T12:00:00Z"},
                {"method", "clustersim calibrate --quick"},
                {"cpu", "Test CPU, 2 cores"},
                {"gpu", "none"},
                {"libraries", "OpenBLAS 0.3.21; Open MPI v4.1.4"},
                {"ranks", "2"},
                {"skipped", "cuda: built without CUDA"}};
  p.dense_flops[DType::fp32] = figure_from(Repeated{{0.05e12, 0.051e12, 0.0505e12}}, "sgemm: test");
  p.hbm_bandwidth = figure_from(Repeated{{9.0e9, 9.1e9, 9.2e9}}, "triad: test");
  p.memory_capacity = {.value = 4e9, .source = "MemTotal / ranks"};
  p.launch_overhead = figure_from(Repeated{{1.0e-6, 1.3e-6, 1.2e-6}}, "decode intercept: test");
  p.compute_efficiency = {.value = 1, .source = "best rate"};
  p.memory_efficiency = figure_from(Repeated{{0.55, 0.56, 0.54}}, "decode at the largest context");
  p.memory_efficiency_curve = {.points = {{65536, 0.21}, {16777216, 0.55}}, .source = "decode sweep"};
  p.compute_efficiency_curve = {.points = {{2.0e6 + 0.4, 0.3}, {2.147483648e9, 1.0}}, .source = "sgemm sweep"};
  p.links[LinkClass::shared_memory] = {.latency = figure_from(Repeated{{0.6e-6, 0.62e-6, 0.61e-6}}, "ping-pong fit"),
                                       .bandwidth = figure_from(Repeated{{6.5e9, 6.4e9, 6.6e9}}, "same fit, B"),
                                       .r_squared = 0.998123};
  return p;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("a figure's spread is (max - min) / median, and one above 10 % is flagged with why", "[calibrate]") {
  const Figure steady = figure_from(Repeated{{10, 10.5, 9.5}}, "s");
  CHECK(steady.value == 10);
  CHECK(*steady.spread == Approx(0.10));
  CHECK(steady.flagged.empty());
  const Figure noisy = figure_from(Repeated{{10, 12.3, 10}}, "s");
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

TEST_CASE("calibration writes the contract's measured-profile structure, to four significant digits", "[calibrate]") {
  const std::string text = measured_profile_text(sample_profile());
  INFO(text);
  CHECK(text.rfind("# Measured by clustersim calibrate", 0) == 0);
  SECTION("provenance: every key of the measured block, as strings, in order") {
    std::size_t at = 0;
    for (const char* key : {"host:", "date:", "method:", "cpu:", "gpu:", "libraries:", "ranks:", "skipped:"}) {
      const std::size_t next = text.find(std::string("\n  ") + key, at);
      CHECK(next != std::string::npos);
      at = next;
    }
    CHECK(contains(text, "ranks: \"2\""));
  }
  SECTION("figures in the file's units: value, source and spread; flagged only when the spread is over 10 %") {
    CHECK(contains(text, "hbm_bandwidth_GBps: {value: 9.1, source: \"triad: test\", spread: 0.02198}\n"));
    CHECK(contains(text, "fp32: {value: 0.0505, source: \"sgemm: test\", spread: 0.0198}\n"));
    CHECK(contains(text, "memory_GB: {value: 4, source: \"MemTotal / ranks\"}\n"));
    CHECK(contains(text,
                   "launch_overhead_us: {value: 1.2, source: \"decode intercept: test\", spread: 0.25, "
                   "flagged: \"spread 25 % over 3 repetitions exceeds 10 %\"}\n"));
  }
  SECTION("curves: [size, efficiency] pairs, sizes as whole numbers") {
    CHECK(contains(text, "points: [[65536, 0.21], [16777216, 0.55]]"));
    CHECK(contains(text, "points: [[2000000, 0.3], [2147483648, 1]]"));
  }
  SECTION("links: one-hop latency and bandwidth with spread, and the fit's R squared") {
    CHECK(contains(text, "latency_us: {value: 0.61, source: \"ping-pong fit\", spread: 0.03279}"));
    CHECK(contains(text, "bandwidth_GBps: {value: 6.5, source: \"same fit, B\", spread: 0.03077}"));
    CHECK(contains(text, "r_squared: 0.9981\n"));
    CHECK_FALSE(contains(text, "both_ways"));
  }
}

TEST_CASE("a written profile loads back with the same figures in SI units", "[calibrate]") {
  const clustersim::testing::TempFile file("cpu_testhost.yaml", measured_profile_text(sample_profile()));
  const DeviceProfile p = clustersim::model::load_device_profile(file.path());
  CHECK(p.provenance == "measured");
  CHECK(p.measured.at("skipped") == "cuda: built without CUDA");
  CHECK(p.flops(DType::fp32) == 0.0505e12);
  CHECK(p.hbm_bandwidth.value == 9.1e9);
  CHECK(p.launch_overhead.value == 1.2e-6);
  CHECK(p.memory_efficiency.value == 0.55);
  CHECK(p.compute_efficiency_curve->points.front().first == 2e6);
  CHECK(p.links.at(LinkClass::shared_memory).latency.value == 0.61e-6);
  CHECK(p.links.at(LinkClass::shared_memory).r_squared == 0.9981);
}
