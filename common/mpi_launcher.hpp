// SPDX-License-Identifier: Apache-2.0
// Launching a multi-process job through Open MPI's mpirun: the way clustersim starts MPI ranks,
// for the MPI calibration probe and for CPU live runs. It runs through run_program, in its own
// process group, so a timeout, a dead rank or an interrupt of clustersim takes every rank down.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "common/process_runner.hpp"

namespace clustersim {

struct MpiJob {
  std::string program;            ///< executable each rank runs (a path)
  std::vector<std::string> args;  ///< its arguments
  int ranks = 1;
  std::vector<std::string> mpirun_options;  ///< extra mpirun options (hosts, MCA parameters)
  std::chrono::seconds timeout{300};
  /// Command mpirun runs under, e.g. `ip netns exec NS` to start it inside a network namespace.
  std::vector<std::string> wrapper;
  /// Pin each rank to a core. Off where mpirun cannot see which cores ranks on other "hosts"
  /// use, as in the emulated cluster, whose hosts share one machine's cores.
  bool bind_to_core = true;
};

/// Where a job runs: the identity for this machine, or e.g. the emulated cluster's placement.
using JobPlacement = std::function<MpiJob(MpiJob)>;

struct MpiJobOutput {
  std::string stdout_text;  ///< what the ranks printed on stdout, as mpirun forwards it
  std::string stderr_text;
};

/// A program clustersim starts (the rank programs and probes): beside the running clustersim in
/// the build directory, or in <prefix>/lib/clustersim when installed (common/data_path).
std::filesystem::path program_beside_clustersim(const std::string& name);

/// The mpirun on PATH (or $CLUSTERSIM_MPIRUN). Throws: LaunchError saying what to install.
std::string find_mpirun();

/// The full command line: the wrapper, then mpirun; as root it adds --allow-run-as-root; with more
/// ranks than cores --oversubscribe (timings then suffer, and the caller should say so), else
/// --bind-to core when bind_to_core, --bind-to none otherwise.
std::vector<std::string> mpirun_command(const MpiJob& job);

/// Runs the job to completion. Throws: LaunchError naming the program, the exit status or
/// signal, and the end of its stderr, when mpirun is missing, a rank fails, or the timeout passes
/// (every process of the job is killed first). SIGINT/SIGTERM to clustersim while the job runs
/// kill the job's process group before clustersim exits.
MpiJobOutput run_mpi_job(const MpiJob& job);

}  // namespace clustersim
