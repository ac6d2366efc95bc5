// SPDX-License-Identifier: Apache-2.0
// What users meet when a run cannot go on: refused before the slow part starts, and, when
// interrupted, no process of clustersim's left behind.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/background_run.hpp"
#include "support/run_clustersim.hpp"
#include "support/scratch_dir.hpp"

namespace fs = std::filesystem;
using clustersim::testing::Run;
using clustersim::testing::run_clustersim;

SCENARIO("validate refuses a scenario this machine cannot run live before calibrating", "[cli][errors]") {
  clustersim::testing::ScratchDir scratch;
  // GPU cases: this test machine has no GPU (and maybe no GPU rank program).
  const Run run = run_clustersim("validate scenarios/gpu_validation.yaml --out " + scratch.path() + "/v");
  CHECK(run.exit_code == 2);
  CHECK(run.err.find("GPU") != std::string::npos);
  CHECK(run.err.find("calibrating") == std::string::npos);
  CHECK_FALSE(fs::exists(scratch.path() + "/v"));
}

SCENARIO("an interrupted simulate leaves no simulation process behind", "[cli][signals]") {
  clustersim::testing::ScratchDir scratch;
  // One long case (a ring step over 1024 GPUs simulates for many seconds): its simulation process
  // would outlive an interrupted clustersim by that much.
  const std::string scenario = scratch.write("long.yaml",
                                             "name: long\n"
                                             "topology: {generator: dgx_h100_cluster, nodes: 128}\n"
                                             "device: h100_sxm\n"
                                             "workload: {context: 5120000}\n"
                                             "strategies: [ring]\n");
  clustersim::testing::Background run(
      {"simulate", scenario, "--quiet", "--no-report", "--out", scratch.path() + "/out"}, scratch.path());
  // A case's simulation is running: clustersim has a process of its own below it.
  REQUIRE(run.wait_for([](pid_t) { return true; }, std::chrono::seconds(20)) > 0);
  ::kill(run.pid(), SIGINT);
  const int status = run.finish();
  CHECK((WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0)));
  CHECK(run.left_behind().empty());
  CHECK_FALSE(fs::exists(scratch.path() + "/out"));  // nothing half-written
}
