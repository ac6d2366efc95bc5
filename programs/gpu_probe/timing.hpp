// SPDX-License-Identifier: Apache-2.0
// Timing an operation on the GPU's own clock: CUDA events around each repetition, after warm-up
// runs, summarised as median and spread.
#pragma once

#include <cuda_runtime_api.h>

#include <functional>
#include <vector>

namespace clustersim::gpu_probe {

struct Repetitions {
  int warmup = 5;  ///< untimed runs first: clocks ramp up, caches and cuBLAS heuristics settle
  int timed = 20;
};

struct Timing {
  double median_us = 0;
  double min_us = 0;
  double max_us = 0;
  int reps = 0;
  /// (max − min) / median: the contract's relative spread.
  double spread() const { return median_us > 0 ? (max_us - min_us) / median_us : 0; }
};

/// Median, min and max of `us` (microseconds). Requires: us not empty.
Timing summarize(std::vector<double> us);

/// Enqueues `op` on `stream` reps.warmup times, then reps.timed times each between two events,
/// waits, and summarises the timed runs. `op` may fork work to other streams of the same device
/// if it joins them back into `stream` before returning. Events belong to the current device,
/// which must be the stream's. Throws GpuError on a CUDA error.
Timing time_on_stream(cudaStream_t stream, Repetitions reps, const std::function<void(cudaStream_t)>& op);

}  // namespace clustersim::gpu_probe
