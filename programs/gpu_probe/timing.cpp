// SPDX-License-Identifier: Apache-2.0
// All repetitions are enqueued back to back and read after one synchronisation, so host-side
// waits do not sit between them; each event pair still brackets exactly one repetition.
#include "programs/gpu_probe/timing.hpp"

#include <algorithm>
#include <stdexcept>

#include "kernels/cuda/cuda_resources.hpp"

namespace clustersim::gpu_probe {

using kernels::cuda::check_cuda;
using kernels::cuda::Event;

Timing summarize(std::vector<double> us) {
  if (us.empty()) throw std::logic_error("summarize: no repetitions");
  std::sort(us.begin(), us.end());
  const std::size_t n = us.size();
  const double median = n % 2 == 1 ? us[n / 2] : (us[n / 2 - 1] + us[n / 2]) / 2;
  return {.median_us = median, .min_us = us.front(), .max_us = us.back(), .reps = static_cast<int>(n)};
}

Timing time_on_stream(cudaStream_t stream, Repetitions reps, const std::function<void(cudaStream_t)>& op) {
  for (int i = 0; i < reps.warmup; ++i) op(stream);
  std::vector<Event> start(reps.timed), stop(reps.timed);
  for (int i = 0; i < reps.timed; ++i) {
    check_cuda(cudaEventRecord(start[i].get(), stream), "cudaEventRecord");
    op(stream);
    check_cuda(cudaEventRecord(stop[i].get(), stream), "cudaEventRecord");
  }
  check_cuda(cudaStreamSynchronize(stream), "the timed operation");
  std::vector<double> us(reps.timed);
  for (int i = 0; i < reps.timed; ++i) {
    float ms = 0;
    check_cuda(cudaEventElapsedTime(&ms, start[i].get(), stop[i].get()), "cudaEventElapsedTime");
    us[i] = 1e3 * ms;
  }
  return summarize(std::move(us));
}

}  // namespace clustersim::gpu_probe
