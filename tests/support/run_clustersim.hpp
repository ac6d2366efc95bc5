// SPDX-License-Identifier: Apache-2.0
// Running the clustersim command as users do, from the source tree, capturing its exit code,
// stdout and stderr, for the tests of each subcommand.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace clustersim::testing {

struct Run {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Runs `command` with /bin/sh, capturing its exit code, stdout and stderr. Tests run in parallel
/// processes, so each capture gets its own folder.
inline Run run_shell(const std::string& command) {
  namespace fs = std::filesystem;
  static int calls = 0;
  const fs::path dir =
      fs::temp_directory_path() / ("clustersim_cli_test_" + std::to_string(::getpid()) + "_" + std::to_string(calls++));
  fs::create_directories(dir);
  const std::string redirected = "( " + command + " ) >" + (dir / "out").string() + " 2>" + (dir / "err").string();
  const int status = std::system(redirected.c_str());
  Run run{WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir / "out"), slurp(dir / "err")};
  fs::remove_all(dir);
  return run;
}

/// Runs `clustersim <args>` with `env` prepended (e.g. "CLUSTERSIM_MPIRUN=/nonexistent").
inline Run run_clustersim(const std::string& args, const std::string& env = "") {
  return run_shell(env + " " + std::string(CLUSTERSIM_BINARY) + " " + args);
}

}  // namespace clustersim::testing
