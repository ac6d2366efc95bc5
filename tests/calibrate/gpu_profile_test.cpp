// SPDX-License-Identifier: Apache-2.0
// The GPU probe's summary becomes a measured profile the simulator loads: each figure from its
// key, in the profile's units; a summary missing what a profile needs is refused with the keys.
// The summary below is written by hand in the probe's format (no GPU is needed).
#include <catch2/catch.hpp>

#include "calibrate/calibration.hpp"
#include "calibrate/gpu_profile.hpp"
#include "model/device_profile.hpp"
#include "support/scratch_dir.hpp"

using namespace clustersim;
using Catch::Matchers::WithinRel;

namespace {

const char* const kSummary =
    "gpu=NVIDIA H100 80GB HBM3\ngpus=1\ncompute_capability=9.0\nmultiprocessors=132\nmemory_bytes=85000000000\n"
    "l2_bytes=52428800\ncuda_driver=13.0\ncuda_runtime=13.0\ncublas=13.0\nmode=quick\nrepetitions=2 warm-up, 5 timed\n"
    "hbm_copy_kernel_GBps=3000\nhbm_copy_kernel_spread=0.02\nhbm_copy_kernel_bytes=1073741824\n"
    "dense_bf16_TFLOPS=700\ndense_bf16_spread=0.15\ndense_bf16_shape=8192x8192x8192\n"
    "dense_bf16_compute_efficiency_curve=1e9:0.5;1e12:1\n"
    "dense_fp16_TFLOPS=710\ndense_fp16_spread=0.01\n"
    "decode_memory_efficiency=0.85\ndecode_memory_efficiency_curve=1e6:0.2;1e9:0.85\n"
    "decode_fit_latency_us=6\ndecode_fit_GBps=2600\ndecode_fit_r_squared=0.999\n"
    "h2d_pinned_latency_us=9\nh2d_pinned_bandwidth_GBps=50\nh2d_pinned_r_squared=0.998\n"
    "h2d_pinned_plateau_GBps=52\nh2d_pinned_plateau_spread=0.01\n";

}  // namespace

TEST_CASE("a GPU probe summary becomes a profile the simulator loads, figure by figure", "[calibrate][gpu]") {
  const model::DeviceProfile p =
      calibrate::gpu_profile_from_summary(calibrate::read_probe_summary(kSummary), "gpuhost", "2026-11-23T00:00:00Z");
  CHECK(p.name == "gpu_nvidia_h100_80gb_hbm3");
  CHECK(p.dense_flops.at(model::DType::bf16).flagged.find("spread 15 %") != std::string::npos);
  testing::ScratchDir dir;
  const model::DeviceProfile loaded =
      model::load_device_profile(dir.write("gpu.yaml", calibrate::measured_profile_text(p)));
  CHECK(loaded.provenance == "measured");
  CHECK_THAT(loaded.flops(model::DType::bf16), WithinRel(700e12, 1e-9));
  CHECK_THAT(loaded.flops(model::DType::fp16), WithinRel(710e12, 1e-9));
  CHECK_THAT(loaded.hbm_bandwidth.value, WithinRel(3000e9, 1e-9));
  CHECK_THAT(loaded.memory_capacity.value, WithinRel(85e9, 1e-9));
  CHECK_THAT(loaded.launch_overhead.value, WithinRel(6e-6, 1e-9));
  CHECK_THAT(loaded.memory_efficiency.value, WithinRel(0.85, 1e-9));
  // The decode curve is used by the kernel model: 1e9 bytes at 0.85 of 3000 GB/s, after one launch.
  CHECK_THAT(loaded.kernel_time(0, 1e9, model::DType::bf16), WithinRel(6e-6 + 1e9 / (3000e9 * 0.85), 1e-6));
  // validate's re-timing of the CPU decode kernel has no business with a GPU's figures.
  CHECK_FALSE(calibrate::can_recheck_decode_kernel(loaded));
  CHECK_FALSE(calibrate::recheck_decode_kernel(loaded));
  CHECK_FALSE(calibrate::recheck_decode_kernel(model::load_device_profile("h100_sxm")));
}

TEST_CASE("a GPU probe summary without the figures a profile needs is refused, naming them", "[calibrate][gpu]") {
  auto values = calibrate::read_probe_summary(kSummary);
  values.erase("hbm_copy_kernel_GBps");
  values.erase("decode_fit_latency_us");
  CHECK_THROWS_WITH(calibrate::gpu_profile_from_summary(values, "h", "d"),
                    Catch::Contains("hbm_copy_kernel_GBps") && Catch::Contains("decode_fit_latency_us"));
}
