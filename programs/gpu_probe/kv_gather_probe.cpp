// SPDX-License-Identifier: Apache-2.0
// Gathering KV blocks scattered over pinned host memory (an offloaded paged KV cache) into one
// contiguous device buffer, one cudaMemcpyAsync per block: block sizes 4 KiB–2 MiB, 256 MiB in
// all. Small blocks are bound by the per-copy cost, large ones by the link; the curve says where
// the knee lies. Blocks come from a pool twice the gathered size, in a fixed shuffled order.
#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "kernels/cuda/cuda_resources.hpp"
#include "programs/gpu_probe/probe_groups.hpp"

namespace clustersim::gpu_probe {

using kernels::cuda::check_cuda;
using kernels::cuda::DeviceBuffer;
using kernels::cuda::PinnedBuffer;
using kernels::cuda::Stream;

void probe_kv_gather(ProbeRun& run) {
  const std::size_t total = run.quick ? std::size_t{32} << 20 : std::size_t{256} << 20;
  std::vector<std::size_t> sizes = geometric_sizes(4096, std::size_t{1} << 20, 4);  // 4 KiB … 1 MiB
  sizes.push_back(std::size_t{2} << 20);  // a 2 MiB huge page, the largest block paged caches use
  PinnedBuffer pool(2 * total);
  std::memset(pool.get(), 1, 2 * total);
  DeviceBuffer gathered(total);
  Stream stream;
  // Each repetition issues total/block copies: a few are enough, and 64k calls of 4 KiB take long.
  const Repetitions reps{.warmup = 1, .timed = run.quick ? 3 : 5};

  CsvTable table({"block_bytes", "blocks", "total_bytes", "reps", "median_us", "min_us", "max_us", "spread", "GBps",
                  "us_per_block"});
  std::vector<std::pair<double, double>> curve;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const std::size_t block = sizes[i];
    const std::size_t blocks = total / block;
    run.progress("kv gather", static_cast<int>(i + 1), static_cast<int>(sizes.size()),
                 std::to_string(block) + " B blocks");
    std::vector<std::size_t> slots(2 * blocks);
    std::iota(slots.begin(), slots.end(), std::size_t{0});
    std::shuffle(slots.begin(), slots.end(), std::mt19937_64(block));
    slots.resize(blocks);
    const auto* source = pool.as<const char>();
    auto* destination = gathered.as<char>();
    const Timing t = time_on_stream(stream.get(), reps, [&](cudaStream_t s) {
      for (std::size_t b = 0; b < blocks; ++b)
        check_cuda(
            cudaMemcpyAsync(destination + b * block, source + slots[b] * block, block, cudaMemcpyHostToDevice, s),
            "KV block copy");
    });
    const double GBps = static_cast<double>(total) / (t.median_us * 1e3);
    table.add({std::to_string(block), std::to_string(blocks), std::to_string(total), std::to_string(t.reps),
               num(t.median_us), num(t.min_us), num(t.max_us), num(t.spread()), num(GBps),
               num(t.median_us / static_cast<double>(blocks))});
    curve.emplace_back(static_cast<double>(block), GBps);
  }
  run.write_csv("kv_gather.csv", table);
  run.note("kv_gather_GBps_by_block_bytes", curve_text(curve));
}

}  // namespace clustersim::gpu_probe
