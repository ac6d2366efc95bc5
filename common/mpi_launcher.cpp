// SPDX-License-Identifier: Apache-2.0
// mpirun runs through run_program (common/process_runner), in a process group of its own, so the
// timeout and the interrupt handler take down mpirun, its daemons and the ranks together.
#include "common/mpi_launcher.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "common/data_path.hpp"

namespace clustersim {

std::filesystem::path program_beside_clustersim(const std::string& name) { return program_dir() / name; }

std::string find_mpirun() {
  if (const char* given = std::getenv("CLUSTERSIM_MPIRUN"); given && *given) {
    if (::access(given, X_OK) == 0) return given;
    throw LaunchError(fmt::format("CLUSTERSIM_MPIRUN='{}' is not an executable file", given));
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (std::size_t start = 0; start <= dirs.size();) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::filesystem::path candidate = std::filesystem::path(dirs.substr(start, end - start)) / "mpirun";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    start = end + 1;
  }
  throw LaunchError(
      "mpirun not found on PATH: install Open MPI (Debian: apt-get install openmpi-bin "
      "libopenmpi-dev, as scripts/setup.sh does) or set CLUSTERSIM_MPIRUN");
}

std::vector<std::string> mpirun_command(const MpiJob& job) {
  std::vector<std::string> cmd = job.wrapper;
  cmd.insert(cmd.end(), {find_mpirun(), "-np", std::to_string(job.ranks)});
  if (::geteuid() == 0) cmd.push_back("--allow-run-as-root");
  const auto cores = std::thread::hardware_concurrency();
  if (static_cast<unsigned>(job.ranks) > cores) cmd.push_back("--oversubscribe");
  else cmd.insert(cmd.end(), {"--bind-to", job.bind_to_core ? "core" : "none"});
  cmd.insert(cmd.end(), job.mpirun_options.begin(), job.mpirun_options.end());
  cmd.push_back(job.program);
  cmd.insert(cmd.end(), job.args.begin(), job.args.end());
  return cmd;
}

MpiJobOutput run_mpi_job(const MpiJob& job) {
  const ProcessOutput out = run_program({.command = mpirun_command(job),
                                         .what = fmt::format("{} with {} ranks", job.program, job.ranks),
                                         .timeout = job.timeout});
  return {.stdout_text = out.stdout_text, .stderr_text = out.stderr_text};
}

}  // namespace clustersim
