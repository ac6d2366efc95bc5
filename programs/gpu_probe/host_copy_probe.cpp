// SPDX-License-Identifier: Apache-2.0
// Host↔device copies over 4 KiB–1 GiB: from pinned and from pageable host memory, each direction
// alone and, for pinned memory, both at once on two streams (a full-duplex PCIe/C2C link carries
// both at full rate; the bandwidth then counts both directions' bytes). Pageable copies are staged
// by the driver through its own pinned buffer and block the host, so they cannot overlap and are
// measured one direction at a time.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "kernels/cuda/cuda_resources.hpp"
#include "programs/gpu_probe/link_fit_notes.hpp"
#include "programs/gpu_probe/probe_groups.hpp"

namespace clustersim::gpu_probe {

using kernels::cuda::check_cuda;
using kernels::cuda::DeviceBuffer;
using kernels::cuda::Event;
using kernels::cuda::PinnedBuffer;
using kernels::cuda::Stream;

void probe_host_copy(ProbeRun& run) {
  const auto sizes = geometric_sizes(4096, run.quick ? std::size_t{64} << 20 : std::size_t{1} << 30, 4);
  const std::size_t biggest = sizes.back();
  PinnedBuffer pinned_src(biggest), pinned_dst(biggest);
  const std::unique_ptr<char[]> pageable_src(new char[biggest]), pageable_dst(new char[biggest]);
  // Touch every page so first-use faults are not timed.
  std::memset(pinned_src.get(), 1, biggest);
  std::memset(pinned_dst.get(), 0, biggest);
  std::memset(pageable_src.get(), 1, biggest);
  std::memset(pageable_dst.get(), 0, biggest);
  DeviceBuffer device_src(biggest), device_dst(biggest);
  check_cuda(cudaMemset(device_src.get(), 1, biggest), "host copy fill");
  Stream stream, second;
  Event fork, join;

  CsvTable table(
      {"memory", "direction", "bytes", "moved_bytes", "reps", "median_us", "min_us", "max_us", "spread", "GBps"});
  struct Series {
    const char* memory;
    const char* direction;
  };
  const std::vector<Series> series = {
      {"pinned", "h2d"}, {"pinned", "d2h"}, {"pinned", "both"}, {"pageable", "h2d"}, {"pageable", "d2h"}};
  int step = 0;
  const int steps = static_cast<int>(series.size());
  for (const Series& sr : series) {
    const bool pinned = std::string(sr.memory) == "pinned";
    const std::string direction = sr.direction;
    void* host_src = pinned ? pinned_src.get() : pageable_src.get();
    void* host_dst = pinned ? pinned_dst.get() : pageable_dst.get();
    run.progress("host copy", ++step, steps, std::string(sr.memory) + " " + direction);
    std::vector<calibrate::Sample> sweep;
    std::vector<double> spreads;
    for (const std::size_t bytes : sizes) {
      const Timing t = time_on_stream(stream.get(), run.reps, [&](cudaStream_t s) {
        if (direction == "both") {
          // The second stream starts when `s` reaches this point, so the two copies overlap.
          check_cuda(cudaEventRecord(fork.get(), s), "fork");
          check_cuda(cudaStreamWaitEvent(second.get(), fork.get(), 0), "fork");
          check_cuda(cudaMemcpyAsync(device_dst.get(), host_src, bytes, cudaMemcpyHostToDevice, s), "H2D copy");
          check_cuda(cudaMemcpyAsync(host_dst, device_src.get(), bytes, cudaMemcpyDeviceToHost, second.get()),
                     "D2H copy");
          check_cuda(cudaEventRecord(join.get(), second.get()), "join");
          check_cuda(cudaStreamWaitEvent(s, join.get(), 0), "join");
        } else if (direction == "h2d") {
          check_cuda(cudaMemcpyAsync(device_dst.get(), host_src, bytes, cudaMemcpyHostToDevice, s), "H2D copy");
        } else {
          check_cuda(cudaMemcpyAsync(host_dst, device_src.get(), bytes, cudaMemcpyDeviceToHost, s), "D2H copy");
        }
      });
      const double moved = (direction == "both" ? 2.0 : 1.0) * static_cast<double>(bytes);
      table.add({sr.memory, direction, std::to_string(bytes), num(moved), std::to_string(t.reps), num(t.median_us),
                 num(t.min_us), num(t.max_us), num(t.spread()), num(moved / (t.median_us * 1e3))});
      sweep.push_back({.bytes = moved, .seconds = t.median_us * 1e-6});
      spreads.push_back(t.spread());
    }
    note_link_fit(run, direction + "_" + sr.memory, sweep, spreads);
  }
  run.write_csv("host_copy.csv", table);
}

}  // namespace clustersim::gpu_probe
