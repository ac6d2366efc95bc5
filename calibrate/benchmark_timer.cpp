// SPDX-License-Identifier: Apache-2.0
// Each kernel is registered alone, run, and unregistered, so progress can be shown between
// kernels and no benchmark of an earlier group runs again. A reporter keeps the per-repetition
// runs (not the aggregates) and prints nothing: calibration shows its own progress.
#include "calibrate/benchmark_timer.hpp"

#include <exception>
#include <stdexcept>

#include <benchmark/benchmark.h>

#include "common/interrupt.hpp"

namespace clustersim::calibrate {
namespace {

class RepetitionCollector : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration) continue;
      if (run.error_occurred) {
        error = run.error_message;
        continue;
      }
      seconds.values.push_back(run.real_accumulated_time / static_cast<double>(run.iterations));
    }
  }
  Repeated seconds;
  std::string error;
};

}  // namespace

Repeated time_per_call(const std::string& name, const std::function<void()>& kernel, const TimingPlan& plan) {
  throw_if_interrupted();  // between measurements: one takes at most a few seconds
  std::exception_ptr failure;
  benchmark::RegisterBenchmark(name.c_str(),
                               [&](benchmark::State& state) {
                                 for (auto _ : state) {
                                   try {
                                     kernel();
                                   } catch (...) {
                                     failure = std::current_exception();
                                     state.SkipWithError("the kernel threw");
                                     break;
                                   }
                                 }
                               })
      ->Repetitions(plan.repetitions)
      ->MinWarmUpTime(
          plan.min_seconds)  // page faults, frequency ramp-up and cold caches stay out of the first repetition
      ->MinTime(plan.min_seconds)
      ->UseRealTime();
  RepetitionCollector collector;
  benchmark::RunSpecifiedBenchmarks(&collector, ".*");
  benchmark::ClearRegisteredBenchmarks();
  throw_if_interrupted();
  if (failure) std::rethrow_exception(failure);
  if (!collector.error.empty()) throw std::runtime_error(name + ": " + collector.error);
  if (collector.seconds.values.empty()) throw std::runtime_error(name + ": Google Benchmark reported no runs");
  return collector.seconds;
}

}  // namespace clustersim::calibrate
