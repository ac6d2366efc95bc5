// SPDX-License-Identifier: Apache-2.0
// Timing one microkernel with Google Benchmark used as a library: it picks the iteration count,
// runs the repetitions and measures wall-clock time; we keep every repetition's time per
// iteration, so calibration can report a median and a spread instead of one lucky run.
#pragma once

#include <functional>
#include <string>

#include "calibrate/repeated.hpp"

namespace clustersim::calibrate {

struct TimingPlan {
  int repetitions = 3;
  double min_seconds = 0.05;  ///< each repetition runs the kernel at least this long, after a warm-up as long
};

/// Seconds of wall-clock time per call of `kernel`, one value per repetition. `name` labels the
/// benchmark. An exception thrown by `kernel` stops the timing and is rethrown here.
Repeated time_per_call(const std::string& name, const std::function<void()>& kernel, const TimingPlan& plan);

}  // namespace clustersim::calibrate
