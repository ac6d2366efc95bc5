// SPDX-License-Identifier: Apache-2.0
// GPU↔GPU cudaMemcpyPeer between GPU 0 and every other GPU, both directions, 4 KiB–1 GiB, with
// peer access enabled where the pair supports it (otherwise the driver stages through the host).
// Each pair's sweep is fitted to t = α + S/B.
#include <memory>
#include <string>
#include <vector>

#include "kernels/cuda/cuda_resources.hpp"
#include "programs/gpu_probe/link_fit_notes.hpp"
#include "programs/gpu_probe/probe_groups.hpp"

namespace clustersim::gpu_probe {

using kernels::cuda::check_cuda;
using kernels::cuda::DeviceBuffer;
using kernels::cuda::Stream;
namespace {

bool enable_peer_access(int from, int to) {
  int can = 0;
  check_cuda(cudaDeviceCanAccessPeer(&can, from, to), "cudaDeviceCanAccessPeer");
  if (!can) return false;
  check_cuda(cudaSetDevice(from), "cudaSetDevice");
  const cudaError_t err = cudaDeviceEnablePeerAccess(to, 0);
  if (err == cudaErrorPeerAccessAlreadyEnabled) {
    cudaGetLastError();  // clears the non-sticky error
    return true;
  }
  check_cuda(err, "cudaDeviceEnablePeerAccess");
  return true;
}

}  // namespace

void probe_peer_copy(ProbeRun& run) {
  if (run.device_count < 2) {
    run.note("peer_copy", "skipped: 1 GPU");
    return;
  }
  const auto sizes = geometric_sizes(4096, run.quick ? std::size_t{64} << 20 : std::size_t{1} << 30, 4);
  const int last = run.quick ? 1 : run.device_count - 1;
  std::vector<std::unique_ptr<DeviceBuffer>> buffers;
  std::vector<std::unique_ptr<Stream>> streams;
  for (int d = 0; d <= last; ++d) {
    check_cuda(cudaSetDevice(d), "cudaSetDevice");
    buffers.push_back(std::make_unique<DeviceBuffer>(sizes.back()));
    streams.push_back(std::make_unique<Stream>());
  }
  CsvTable table({"src", "dst", "peer_access", "bytes", "reps", "median_us", "min_us", "max_us", "spread", "GBps"});
  int step = 0;
  const int steps = 2 * last;
  for (int other = 1; other <= last; ++other) {
    for (const auto& direction : {std::pair{0, other}, std::pair{other, 0}}) {
      const int src = direction.first, dst = direction.second;  // plain ints: lambdas below capture them
      run.progress("peer copy", ++step, steps, std::to_string(src) + "->" + std::to_string(dst));
      // The copy engine of the reading side needs access to the other's memory; enable both ways.
      const bool peer = enable_peer_access(src, dst) && enable_peer_access(dst, src);
      check_cuda(cudaSetDevice(src), "cudaSetDevice");  // the stream and its events are the source's
      std::vector<calibrate::Sample> sweep;
      std::vector<double> spreads;
      for (const std::size_t bytes : sizes) {
        const Timing t = time_on_stream(streams[src]->get(), run.reps, [&](cudaStream_t s) {
          check_cuda(cudaMemcpyPeerAsync(buffers[dst]->get(), dst, buffers[src]->get(), src, bytes, s),
                     "cudaMemcpyPeerAsync");
        });
        table.add({std::to_string(src), std::to_string(dst), peer ? "1" : "0", std::to_string(bytes),
                   std::to_string(t.reps), num(t.median_us), num(t.min_us), num(t.max_us), num(t.spread()),
                   num(static_cast<double>(bytes) / (t.median_us * 1e3))});
        sweep.push_back({.bytes = static_cast<double>(bytes), .seconds = t.median_us * 1e-6});
        spreads.push_back(t.spread());
      }
      note_link_fit(run, "peer_" + std::to_string(src) + "_" + std::to_string(dst), sweep, spreads);
    }
  }
  check_cuda(cudaSetDevice(0), "cudaSetDevice");
  run.write_csv("peer_copy.csv", table);
}

}  // namespace clustersim::gpu_probe
