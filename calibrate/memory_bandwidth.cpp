// SPDX-License-Identifier: Apache-2.0
// Each thread allocates and first-touches its own slice of the arrays, so on a NUMA machine
// the pages sit next to the thread that streams them, as a rank's KV shard does. Bytes counted
// are STREAM's: copy 16 B and triad 24 B per element (reads and writes, no write-allocate).
#include "calibrate/memory_bandwidth.hpp"

#include <algorithm>
#include <memory>

#include <fmt/format.h>

#include "calibrate/thread_team.hpp"

namespace clustersim::calibrate {
namespace {

struct Slice {
  std::unique_ptr<double[]> a, b, c;
  std::size_t n = 0;
};

struct Kernel {
  const char* name;
  double bytes_per_element;
  void (*pass)(Slice&);
};

void copy_pass(Slice& s) {
  double* __restrict c = s.c.get();
  const double* __restrict a = s.a.get();
  for (std::size_t i = 0; i < s.n; ++i) c[i] = a[i];
}

void triad_pass(Slice& s) {
  double* __restrict a = s.a.get();
  const double* __restrict b = s.b.get();
  const double* __restrict c = s.c.get();
  constexpr double scalar = 3.0;
  for (std::size_t i = 0; i < s.n; ++i) a[i] = b[i] + scalar * c[i];
}

const Kernel kKernels[] = {{"copy", 16, copy_pass}, {"triad", 24, triad_pass}};

}  // namespace

MemoryBandwidthResult measure_memory_bandwidth(const MemoryBandwidthPlan& plan,
                                               const std::function<void(const std::string&)>& progress) {
  MemoryBandwidthResult result;
  result.csv = "kernel,threads,bytes_per_pass,repetition,seconds,GBps\n";
  const std::size_t elements = static_cast<std::size_t>(plan.array_bytes / sizeof(double));
  const int steps = static_cast<int>(plan.thread_counts.size() * std::size(kKernels));
  int step = 0;
  for (int threads : plan.thread_counts) {
    ThreadTeam team(threads);
    std::vector<Slice> slices(threads);
    team.run([&](int member) {
      Slice& s = slices[member];
      s.n = elements / threads;
      s.a.reset(new double[s.n]);
      s.b.reset(new double[s.n]);
      s.c.reset(new double[s.n]);
      std::fill_n(s.a.get(), s.n, 1.0);
      std::fill_n(s.b.get(), s.n, 2.0);
      std::fill_n(s.c.get(), s.n, 0.5);
    });
    for (const Kernel& kernel : kKernels) {
      progress(fmt::format("{}, {} thread{} ({}/{})", kernel.name, threads, threads == 1 ? "" : "s", ++step, steps));
      const double bytes = kernel.bytes_per_element * static_cast<double>(slices[0].n) * threads;
      const Repeated seconds = time_per_call(
          fmt::format("memory/{}/threads:{}", kernel.name, threads),
          [&] { team.run([&](int member) { kernel.pass(slices[member]); }); }, plan.timing);
      for (std::size_t r = 0; r < seconds.values.size(); ++r)
        result.csv += fmt::format("{},{},{},{},{:.6e},{:.4f}\n", kernel.name, threads, bytes, r, seconds.values[r],
                                  bytes / seconds.values[r] / 1e9);
      if (threads == plan.ranks && std::string(kernel.name) == "triad")
        result.per_rank_triad_Bps = seconds.map([&](double t) { return bytes / t / plan.ranks; });
    }
  }
  result.method = fmt::format(
      "STREAM-style triad, {} threads at once (one per rank), total / {}; fp64 arrays of "
      "{:.0f} MiB each",
      plan.ranks, plan.ranks, plan.array_bytes / (1 << 20));
  return result;
}

}  // namespace clustersim::calibrate
