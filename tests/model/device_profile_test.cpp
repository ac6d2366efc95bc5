// SPDX-License-Identifier: Apache-2.0
// Tests of device profiles: the shipped profiles load with every figure sourced and converted
// to SI, kernel_time follows the roofline launch + max(F/(F_peak·e_c), B/(B_peak·e_m)), and a
// profile with an unsourced or out-of-range figure is rejected at its file:line.
#include <catch2/catch.hpp>

#include "support/input_file_errors.hpp"
#include "support/scratch_dir.hpp"

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
  const std::string name = GENERATE("h100_sxm", "h200_sxm", "mi300x", "rtx4090");
  const DeviceProfile p = load_device_profile(name);
  CHECK(p.name == name);
  CHECK(p.provenance == "datasheet");
  CHECK_FALSE(p.description.empty());
  for (DType dtype : {DType::fp32, DType::bf16, DType::fp16, DType::fp8}) {
    REQUIRE(p.dense_flops.count(dtype) == 1);
    check_sourced(p.dense_flops.at(dtype));
  }
  for (const Figure* f : {&p.hbm_bandwidth, &p.memory_capacity, &p.launch_overhead, &p.compute_efficiency,
                          &p.memory_efficiency})
    check_sourced(*f);
  CHECK(p.compute_efficiency.value <= 1);
  CHECK(p.memory_efficiency.value <= 1);
  // A kernel launch takes microseconds, not seconds: the unit conversion happened.
  CHECK(p.launch_overhead.value < 1e-4);
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
  const double expected =
      p.launch_overhead.value + 1e9 / (p.hbm_bandwidth.value * p.memory_efficiency.value);
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
    CHECK_THAT(error_of(replaced(kProfile, R"(bf16: {value: 100, source: "made up"})", R"(bf16: {value: 100, source: ""})")),
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
}
