// SPDX-License-Identifier: Apache-2.0
// `clustersim live`'s pipeline: plan the scenario's cases for this machine, run each runnable
// one (CPU backend: an MPI job of clustersim_live_cpu, one rank per device; GPU backend: one
// clustersim_live_gpu process driving the case's local GPUs), and return measured results in the
// schema simulate writes (mode live), so that a prediction and a measurement join row by row.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "common/mpi_launcher.hpp"
#include "scenarios/scenario.hpp"
#include "schemas/results.hpp"

namespace clustersim::live {

/// A case's pieces alone, which the ranks time before each of its steps, all ranks at once from
/// cold caches, as calibration times them (CPU backend): medians over the timed steps of the
/// slowest rank's time.
struct PiecesAlone {
  std::int64_t kernel_tokens = 0;  ///< the decode kernel on the largest shard: its tokens
  double kernel_seconds = 0;
  double rotation_bytes = 0;    ///< ring: one rotation of the shards, the bytes each rank sends
  double rotation_seconds = 0;  ///< 0 when the case has no rotation
};

struct LiveOptions {
  int repetitions = 5;  ///< timed steps per case; the row's latency is their median
  /// Untimed steps before them: page faults, caches, MPI connections, and Open MPI's first
  /// single-copy (CMA) transfer into each buffer, 3–5× slower than the next. A 2-rank ring
  /// receives into one of its two buffers per step, so the second step is still cold.
  int warmup = 2;
  bool oversubscribe = false;  ///< allow more ranks than cores (timings then suffer)
  std::chrono::seconds timeout_per_case{600};
  JobPlacement place;  ///< where the CPU backend's ranks run; empty = this machine
  /// Case index whose last timed step is traced (CPU backend; -1: none), and where its Chrome
  /// trace-event JSON goes (reports/trace.hpp; the slices named as the simulator's ops).
  int trace_case = -1;
  std::function<void(const results::CaseResult&, const std::string& json)> on_trace;
  /// After each case whose ranks timed its pieces alone before its steps (CPU backend).
  std::function<void(const scenarios::Case&, const PiecesAlone&)> on_pieces_timed;
  /// After each case: its row and, for a case not run, why.
  std::function<void(int done, int total, const results::CaseResult&, const std::string& note)> on_case_done;
};

/// Where clustersim_live_cpu is: beside the running executable (the build directory).
std::filesystem::path live_cpu_program();
/// Where clustersim_live_gpu is, when CUDA and NCCL were found at build time: beside it too.
std::filesystem::path live_gpu_program();

/// Runs the scenario live. Throws: InputError when the machine cannot run a case (too few cores,
/// memory or GPUs, or clustersim_live_gpu not built; nothing runs then); LaunchError when mpirun
/// is missing, a rank fails or its output check fails; std::runtime_error when the CPU program
/// is missing or a report is malformed.
/// What run_live checks before its first case: the cases fit this machine's cores and memory,
/// the rank program exists, mpirun is found, the GPU program and enough GPUs are there for GPU
/// cases. `validate` asks it before calibrating. Throws: InputError or std::runtime_error, as
/// run_live would.
void check_live_prerequisites(const scenarios::Scenario& scenario, const LiveOptions& options);

results::Results run_live(const scenarios::Scenario& scenario, const LiveOptions& options);

}  // namespace clustersim::live
