// SPDX-License-Identifier: Apache-2.0
// Running a program clustersim starts (mpirun with its ranks, or a rank program by itself) to
// completion: in its own process group, so a timeout or an interrupt of clustersim takes every
// process it started down with it, with stdout and stderr drained so neither pipe can stall it.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace clustersim {

/// A program could not start, was killed by a signal, timed out, or (run_program) failed.
class LaunchError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ProcessJob {
  std::vector<std::string> command;  ///< argv; command[0] is looked up on PATH
  std::string what;                  ///< how messages name the job, e.g. "prog with 4 ranks"
  std::chrono::seconds timeout{300};
  std::string input;  ///< the program's stdin (empty: /dev/null)
};

struct ProcessOutput {
  std::string stdout_text;
  std::string stderr_text;
  int exit_code = 0;
};

/// Runs the job and returns its output and exit code. Throws: LaunchError when it cannot start
/// or be executed, dies of a signal, or passes its timeout (its whole process group is killed
/// first); Interrupted when a signal stopped it (common/interrupt.hpp).
ProcessOutput run_process(const ProcessJob& job);

/// In a forked child: replaces it with `argv` (argv[0] looked up on PATH), or ends it with exit
/// status 127 when that fails, as a shell does. Never returns and never throws.
[[noreturn]] void exec_or_exit(const std::vector<std::string>& argv) noexcept;

/// run_process, and a non-zero exit is a LaunchError too, naming the job, the status and the
/// end of its stderr.
ProcessOutput run_program(const ProcessJob& job);

}  // namespace clustersim
