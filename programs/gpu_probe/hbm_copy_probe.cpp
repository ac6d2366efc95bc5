// SPDX-License-Identifier: Apache-2.0
// HBM bandwidth: the copy kernel and cudaMemcpy D2D over 4 MiB–1 GiB. A copy reads and writes
// each byte, so the bandwidth counts 2·bytes (the STREAM convention). Only copies whose buffers
// are at least 4× the L2 cache (50 MiB on an H100) count for the HBM figure: repeated smaller
// copies are served partly from L2.
#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/cuda/cuda_resources.hpp"
#include "kernels/cuda/hbm_copy.cuh"
#include "programs/gpu_probe/probe_groups.hpp"

namespace clustersim::gpu_probe {

using kernels::cuda::check_cuda;
using kernels::cuda::DeviceBuffer;
using kernels::cuda::GpuError;
using kernels::cuda::Stream;
namespace {

/// The kernel must copy every byte, an odd-length tail included, before it is timed.
void check_copy_kernel(int sm_count) {
  const std::size_t bytes = (std::size_t{1} << 20) + 13;
  std::vector<unsigned char> source(bytes), copied(bytes, 0);
  std::mt19937 random(17);
  for (auto& b : source) b = static_cast<unsigned char>(random());
  DeviceBuffer src(bytes), dst(bytes);
  check_cuda(cudaMemcpy(src.get(), source.data(), bytes, cudaMemcpyHostToDevice), "hbm copy check upload");
  check_cuda(cudaMemset(dst.get(), 0, bytes), "hbm copy check clear");
  check_cuda(kernels::cuda::launch_hbm_copy(dst.get(), src.get(), bytes, sm_count, nullptr), "hbm copy kernel launch");
  check_cuda(cudaMemcpy(copied.data(), dst.get(), bytes, cudaMemcpyDeviceToHost), "hbm copy check download");
  if (std::memcmp(source.data(), copied.data(), bytes) != 0)
    throw GpuError("hbm copy kernel: the copy differs from its source (check failed, no timings)");
}

}  // namespace

void probe_hbm_copy(ProbeRun& run) {
  const int sms = run.device.multiProcessorCount;
  check_copy_kernel(sms);
  const auto sizes =
      geometric_sizes(std::size_t{4} << 20, run.quick ? std::size_t{256} << 20 : std::size_t{1} << 30, 2);
  DeviceBuffer src(sizes.back()), dst(sizes.back());
  check_cuda(cudaMemset(src.get(), 0x5a, sizes.back()), "hbm copy fill");
  Stream stream;
  CsvTable table(
      {"method", "bytes", "moved_bytes", "beyond_l2", "reps", "median_us", "min_us", "max_us", "spread", "GBps"});
  double best_kernel = 0, best_kernel_spread = 0, best_memcpy = 0;
  std::size_t best_kernel_bytes = 0;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const std::size_t bytes = sizes[i];
    const bool beyond_l2 = bytes >= 2 * static_cast<std::size_t>(run.device.l2CacheSize);
    run.progress("hbm copy", static_cast<int>(i + 1), static_cast<int>(sizes.size()), std::to_string(bytes) + " B");
    for (const bool kernel : {true, false}) {
      const Timing t = time_on_stream(stream.get(), run.reps, [&](cudaStream_t s) {
        if (kernel) check_cuda(kernels::cuda::launch_hbm_copy(dst.get(), src.get(), bytes, sms, s), "hbm copy kernel");
        else check_cuda(cudaMemcpyAsync(dst.get(), src.get(), bytes, cudaMemcpyDeviceToDevice, s), "cudaMemcpy D2D");
      });
      const double moved = 2.0 * static_cast<double>(bytes);
      const double GBps = moved / (t.median_us * 1e3);
      table.add({kernel ? "kernel" : "cudaMemcpy", std::to_string(bytes), num(moved), beyond_l2 ? "1" : "0",
                 std::to_string(t.reps), num(t.median_us), num(t.min_us), num(t.max_us), num(t.spread()), num(GBps)});
      if (!beyond_l2) continue;
      if (kernel && GBps > best_kernel) {
        best_kernel = GBps;
        best_kernel_spread = t.spread();
        best_kernel_bytes = bytes;
      }
      if (!kernel) best_memcpy = std::max(best_memcpy, GBps);
    }
  }
  run.write_csv("hbm_copy.csv", table);
  if (best_kernel == 0) throw GpuError("hbm copy: no buffer size reached 2x the L2 cache; no HBM figure");
  run.hbm_copy_GBps = best_kernel;
  run.note("hbm_copy_kernel_GBps", num(best_kernel));
  run.note("hbm_copy_kernel_spread", num(best_kernel_spread));
  run.note("hbm_copy_kernel_bytes", std::to_string(best_kernel_bytes));
  run.note("memcpy_d2d_GBps", num(best_memcpy));
}

}  // namespace clustersim::gpu_probe
