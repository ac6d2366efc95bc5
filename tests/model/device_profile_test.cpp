// SPDX-License-Identifier: Apache-2.0
// Tests of device profiles: the shipped profiles load with every figure sourced and converted
// to SI, kernel_time follows the roofline launch + max(F/(F_peak·e_c), B/(B_peak·e_m)), and a
// profile with an unsourced or out-of-range figure is rejected at its file:line.
#include <catch2/catch.hpp>

#include "support/input_file_errors.hpp"
#include "support/scratch_dir.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/input_error.hpp"
#include "model/device_profile.hpp"

namespace {

using clustersim::testing::replaced;

using clustersim::InputError;
using clustersim::model::DeviceProfile;
using clustersim::model::DType;
using clustersim::model::Figure;
using clustersim::model::load_device_profile;

// A profile file in a fresh temporary directory, removed again at the end of the test.
struct TempProfile : clustersim::testing::TempFile {
  explicit TempProfile(const std::string& text) : TempFile("gpu.yaml", text) {}
};

const std::string kProfile = R"(device: test_gpu
description: a made-up GPU
provenance: datasheet
dense_TFLOPS:
  bf16: {value: 100, source: "made up"}
hbm_bandwidth_GBps: {value: 1000, source: "made up"}
memory_GB: {value: 10, source: "made up"}
launch_overhead_us: {value: 5, source: "made up"}
compute_efficiency: {value: 0.5, source: "made up"}
memory_efficiency: {value: 0.8, source: "made up"}
)";

std::string error_of(const std::string& text) {
  return clustersim::testing::load_error("gpu.yaml", text, [](const std::string& path) { load_device_profile(path); });
}

void check_sourced(const Figure& figure) {
  CHECK(figure.value > 0);
  CHECK_FALSE(figure.source.empty());
}

}  // namespace

TEST_CASE("model: each shipped device profile loads with every figure sourced", "[model]") {
  const std::string name = GENERATE("h100_sxm", "h200_sxm", "mi300x", "rtx4090", "a100_sxm", "h20", "t4", "rtx_a6000");
  const DeviceProfile p = load_device_profile(name);
  CHECK(p.name == name);
  CHECK(p.provenance == "datasheet");
  CHECK_FALSE(p.description.empty());
  // Every card has FP16 tensor cores; the older ones lack FP8 (and the T4, BF16), and the H20's
  // FP32 rate is not in its reported specification.
  REQUIRE(p.dense_flops.count(DType::fp16) == 1);
  for (const auto& [dtype, figure] : p.dense_flops) check_sourced(figure);
  for (const Figure* f :
       {&p.hbm_bandwidth, &p.memory_capacity, &p.launch_overhead, &p.compute_efficiency, &p.memory_efficiency})
    check_sourced(*f);
  CHECK(p.compute_efficiency.value <= 1);
  CHECK(p.memory_efficiency.value <= 1);
  // A kernel launch takes microseconds, not seconds: the unit conversion happened.
  CHECK(p.launch_overhead.value < 1e-4);
  if (p.price_per_hour.value > 0) check_sourced(p.price_per_hour);
}

TEST_CASE("model: a profile's price is optional, positive and sourced", "[model][errors]") {
  CHECK(load_device_profile("h100_sxm").price_per_hour.value == 11.06);
  CHECK(load_device_profile("rtx4090").price_per_hour.value == 0);
}

TEST_CASE("model: profile figures are converted from their keys' units to SI", "[model]") {
  // Relative tolerance 1e-12: the conversions are single multiplications by powers of ten.
  const DeviceProfile h100 = load_device_profile("h100_sxm");
  CHECK_THAT(h100.flops(DType::bf16), Catch::Matchers::WithinRel(989.4e12, 1e-12));
  CHECK_THAT(h100.hbm_bandwidth.value, Catch::Matchers::WithinRel(3.35e12, 1e-12));
  CHECK_THAT(h100.memory_capacity.value, Catch::Matchers::WithinRel(80e9, 1e-12));
  // The RTX 4090's BF16 tensor rate (FP32 accumulate) is 165.2, not the FP32 figure 82.6.
  const DeviceProfile rtx = load_device_profile("rtx4090");
  CHECK_THAT(rtx.flops(DType::bf16), Catch::Matchers::WithinRel(165.2e12, 1e-12));
  CHECK_THAT(rtx.flops(DType::fp32), Catch::Matchers::WithinRel(82.6e12, 1e-12));
}

TEST_CASE("model: kernel_time is launch + HBM time for a decode-like kernel", "[model][physics]") {
  // System: the H100 profile; one kernel reading 1 GB with 1e6 FLOPs (arithmetic intensity
  // 0.001 FLOP/B, far below the ridge point F·e_c / (B·e_m) ≈ 230 FLOP/B).
  // Expectations: memory-bound, so exactly launch + 1e9 / (B·e_m); tolerance 1e-12 because
  // the same operations are done in the same order.
  const DeviceProfile p = load_device_profile("h100_sxm");
  const double expected = p.launch_overhead.value + 1e9 / (p.hbm_bandwidth.value * p.memory_efficiency.value);
  CHECK_THAT(p.kernel_time(1e6, 1e9, DType::bf16), Catch::Matchers::WithinRel(expected, 1e-12));
}

TEST_CASE("model: kernel_time is launch + compute time for a GEMM-like kernel", "[model][physics]") {
  // System: an 8192^3 BF16 GEMM, 2·8192^3 FLOPs over 3·8192^2·2 B (intensity ≈ 2730 FLOP/B,
  // far above the ridge point). Expectations: compute-bound, launch + flops / (F·e_c).
  const DeviceProfile p = load_device_profile("h100_sxm");
  const double n = 8192;
  const double flops = 2 * n * n * n;
  const double bytes = 3 * n * n * 2;
  const double expected = p.launch_overhead.value + flops / (p.flops(DType::bf16) * p.compute_efficiency.value);
  CHECK_THAT(p.kernel_time(flops, bytes, DType::bf16), Catch::Matchers::WithinRel(expected, 1e-12));
}

TEST_CASE("model: a kernel that does nothing costs its launch", "[model][physics]") {
  const DeviceProfile p = load_device_profile("mi300x");
  CHECK(p.kernel_time(0, 0, DType::bf16) == p.launch_overhead.value);
}

TEST_CASE("model: a dtype a profile does not give is an input error", "[model][errors]") {
  TempProfile file(kProfile);
  const DeviceProfile p = load_device_profile(file.path());
  CHECK_THROWS_WITH(p.flops(DType::fp8), Catch::Matchers::Contains("no dense_TFLOPS figure for fp8"));
  CHECK_THROWS_AS(p.kernel_time(1, 1, DType::fp8), InputError);
  // A copy kernel does no arithmetic, so it needs no FLOP rate for its dtype.
  CHECK(p.kernel_time(0, 8e8, DType::fp8) == Approx(5e-6 + 8e8 / (1e12 * 0.8)));
}

SCENARIO("a device profile with an unsourced figure is rejected", "[model][errors]") {
  GIVEN("a profile whose HBM bandwidth, on line 6, has no source") {
    const std::string text = replaced(kProfile, R"({value: 1000, source: "made up"})", "{value: 1000}");
    WHEN("it is loaded") {
      const std::string message = error_of(text);
      THEN("the message names file:line and the figure") {
        CHECK_THAT(message, Catch::Matchers::StartsWith("FILE:6:21: error: figure 'hbm_bandwidth_GBps' has no source"));
      }
    }
  }
  GIVEN("a figure written as a bare number") {
    CHECK_THAT(error_of(replaced(kProfile, R"({value: 10, source: "made up"})", "10")),
               Catch::Matchers::StartsWith("FILE:7:12: error: expected a figure {value: ..., source: ...}, got '10'"));
  }
  GIVEN("an empty source") {
    CHECK_THAT(
        error_of(replaced(kProfile, R"(bf16: {value: 100, source: "made up"})", R"(bf16: {value: 100, source: ""})")),
        Catch::Matchers::Contains("expected a non-empty string, got '' in 'dense_TFLOPS.bf16.source'"));
  }
}

SCENARIO("a device profile with a bad value or key is rejected", "[model][errors]") {
  GIVEN("an efficiency above one") {
    CHECK_THAT(error_of(replaced(kProfile, "{value: 0.8,", "{value: 1.5,")),
               Catch::Matchers::Contains("expected a fraction in (0, 1], got '1.5' in 'memory_efficiency.value'"));
  }
  GIVEN("a negative figure") {
    CHECK_THAT(error_of(replaced(kProfile, "{value: 5,", "{value: -5,")),
               Catch::Matchers::Contains("expected a positive number, got '-5'"));
  }
  GIVEN("an unknown dtype and an unknown key") {
    CHECK_THAT(error_of(replaced(kProfile, "  bf16:", "  bf61:")),
               Catch::Matchers::StartsWith("FILE:5:3: error: unknown key 'bf61' in 'dense_TFLOPS'"));
    CHECK_THAT(error_of(replaced(kProfile, "memory_GB:", "memory_GiB:")),
               Catch::Matchers::Contains("did you mean 'memory_GB'?"));
  }
  GIVEN("a measured block on a datasheet profile") {
    CHECK_THAT(error_of(kProfile + "measured: {host: a, date: b, method: c}\n"),
               Catch::Matchers::Contains("a 'measured' block needs 'provenance: measured'"));
  }
  GIVEN("a measured profile with its measurement described") {
    TempProfile file(replaced(kProfile, "provenance: datasheet",
                              "provenance: measured\nmeasured: {host: gpu01, date: 2026-01-01, method: hbm_copy}"));
    CHECK(load_device_profile(file.path()).provenance == "measured");
  }
  GIVEN("a misspelt shipped profile name") {
    CHECK_THROWS_WITH(load_device_profile("h100_sx"), Catch::Matchers::Contains("did you mean 'h100_sxm'?"));
  }
  GIVEN("a path that is a directory, a device file or nothing") {
    const clustersim::testing::ScratchDir dir;
    const std::filesystem::path folder = std::filesystem::path(dir.path()) / "folder.yaml";
    std::filesystem::create_directory(folder);
    CHECK_THROWS_WITH(load_device_profile(folder.string()),
                      "clustersim: error: cannot read device profile '" + folder.string() + "': it is a directory");
    const std::filesystem::path null = std::filesystem::path(dir.path()) / "null.yaml";
    std::filesystem::create_symlink("/dev/null", null);
    CHECK_THROWS_WITH(load_device_profile(null.string()), Catch::Matchers::Contains("': it is a device file"));
    CHECK_THROWS_WITH(load_device_profile("/nonexistent/gpu.yaml"),
                      Catch::Matchers::EndsWith("'/nonexistent/gpu.yaml': it does not exist"));
  }
}

namespace {
const std::string kFixture = std::string(CLUSTERSIM_SOURCE_DIR) + "/tests/fixtures/cpu_measured.yaml";
}

TEST_CASE("model: a measured profile reads back its measurement, curves, links and flags", "[model][measured]") {
  const DeviceProfile p = load_device_profile(kFixture);
  CHECK(p.provenance == "measured");
  CHECK(p.measured.at("host") == "testhost");
  CHECK(p.measured.at("ranks") == "2");
  CHECK(p.measured.at("skipped") == "cuda: no GPU");
  CHECK(p.measured.size() == 8);
  CHECK(p.dense_flops.at(DType::fp32).value == 0.05e12);
  CHECK(p.hbm_bandwidth.spread == 0.03);
  CHECK_FALSE(p.memory_capacity.spread.has_value());
  REQUIRE(p.memory_efficiency_curve);
  CHECK(p.memory_efficiency_curve->points ==
        std::vector<std::pair<double, double>>{{1000, 0.2}, {100000, 0.6}, {10000000, 0.8}});
  CHECK(p.memory_efficiency_curve->source == "fixture sweep");
  REQUIRE(p.compute_efficiency_curve);
  CHECK(p.compute_efficiency_curve->points.size() == 2);
  REQUIRE(p.links.size() == 1);
  const auto& shm = p.links.at(clustersim::topo::LinkClass::shared_memory);
  CHECK(shm.latency.value == 0.5e-6);
  CHECK(shm.bandwidth.value == 4e9);
  CHECK(shm.bandwidth.spread == 0.02);
  CHECK(shm.r_squared == 0.998);
  CHECK(p.flagged_figures() ==
        std::vector<std::pair<std::string, std::string>>{{"launch_overhead_us", "spread 25 % over repetitions"}});
}

TEST_CASE("model: kernel_time uses the efficiency curves, linear in log(size) and clamped", "[model][measured]") {
  const DeviceProfile p = load_device_profile(kFixture);
  const auto& curve = *p.memory_efficiency_curve;
  CHECK(curve.at(10) == 0.2);                                             // clamped below the first point
  CHECK(curve.at(1e9) == 0.8);                                            // clamped above the last
  CHECK(curve.at(100000) == 0.6);                                         // on a point
  CHECK_THAT(curve.at(10000), Catch::Matchers::WithinRel(0.4, 1e-12));    // halfway in log between 1e3 and 1e5
  CHECK_THAT(curve.at(1000000), Catch::Matchers::WithinRel(0.7, 1e-12));  // halfway between 1e5 and 1e7
  // A memory-bound kernel of 1e4 bytes: launch 1 us + 1e4 B / (10 GB/s · 0.4) = 1 + 2.5 us,
  // where the scalar memory_efficiency (0.5) would give 3 us.
  CHECK_THAT(p.kernel_time(0, 1e4, DType::fp32), Catch::Matchers::WithinRel(3.5e-6, 1e-12));
  // Two launches of 5e3 bytes each: each kernel moves 5e3 B, so e_m = 0.2 + 0.4·log(5)/log(100).
  const double e = 0.2 + 0.4 * std::log(5.0) / std::log(100.0);
  CHECK_THAT(p.kernel_time(0, 1e4, DType::fp32, 2), Catch::Matchers::WithinRel(2e-6 + 1e4 / (10e9 * e), 1e-12));
  // Compute-bound: 1e9 FLOPs at 0.05 TFLOP/s and e_c = 1 (top of the curve): 20 ms.
  CHECK_THAT(p.kernel_time(1e9, 0, DType::fp32), Catch::Matchers::WithinRel(1e-6 + 0.02, 1e-12));
}

TEST_CASE("model: a measured profile with a bad curve, link or flag is refused at its line",
          "[model][measured][errors]") {
  std::ifstream in(kFixture);
  const std::string fixture((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK_THAT(error_of(replaced(fixture, "  shared_memory:", "  shared_mem:")),
             Catch::Matchers::StartsWith("FILE:28:3: error:") && Catch::Matchers::Contains("shared_mem") &&
                 Catch::Matchers::Contains("shared_memory"));
  CHECK_THAT(error_of(replaced(fixture, "[100000, 0.6]", "[1000, 0.6]")),
             Catch::Matchers::StartsWith("FILE:23:26: error: point sizes must increase"));
  CHECK_THAT(error_of(replaced(fixture, "[10000000, 0.8]", "[10000000, 1.2]")),
             Catch::Matchers::StartsWith("FILE:23:51: error: expected an efficiency in (0, 1]"));
  CHECK_THAT(error_of(replaced(fixture, "spread: 0.03", "spread: -0.1")),
             Catch::Matchers::Contains("expected a spread >= 0"));
  CHECK_THAT(error_of(replaced(fixture, "  ranks: \"2\"", "  rank: \"2\"")),
             Catch::Matchers::Contains("did you mean 'ranks'"));
  CHECK_THAT(error_of(replaced(fixture, "r_squared: 0.998", "r_squared: 1.5")),
             Catch::Matchers::Contains("expected r_squared <= 1"));
}
