// SPDX-License-Identifier: Apache-2.0
// The launcher through the real mpirun: output gathered from every rank, a failing rank and a
// hung job reported as LaunchError, and nothing of a killed job left running.
#include <catch2/catch.hpp>

#include <signal.h>

#include <algorithm>
#include <chrono>

#include "common/mpi_launcher.hpp"

using namespace clustersim;

TEST_CASE("an MPI job's output comes back from every rank", "[launch]") {
  const MpiJobOutput out = run_mpi_job({.program = "/bin/echo", .args = {"rank-says-hi"}, .ranks = 2});
  CHECK(std::count(out.stdout_text.begin(), out.stdout_text.end(), '\n') == 2);
  CHECK(out.stdout_text.find("rank-says-hi") != std::string::npos);
}

TEST_CASE("a failing rank is a LaunchError naming the program", "[launch]") {
  CHECK_THROWS_WITH(run_mpi_job({.program = "/bin/false", .ranks = 2}), Catch::Contains("/bin/false"));
}

TEST_CASE("a job past its timeout is killed, with every process of its group", "[launch]") {
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(
      run_mpi_job({.program = "/bin/sleep", .args = {"30"}, .ranks = 2, .timeout = std::chrono::seconds(2)}),
      Catch::Contains("did not finish within 2 s"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
}

TEST_CASE("a missing mpirun is reported with what to install", "[launch]") {
  ::setenv("CLUSTERSIM_MPIRUN", "/nonexistent/mpirun", 1);
  CHECK_THROWS_WITH(find_mpirun(), Catch::Contains("not an executable"));
  ::unsetenv("CLUSTERSIM_MPIRUN");
}
