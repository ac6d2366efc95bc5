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

#include "support/run_clustersim.hpp"
#include "support/scratch_dir.hpp"

namespace fs = std::filesystem;
using clustersim::testing::Run;
using clustersim::testing::run_clustersim;

namespace {

/// The pids of `pid`'s children, from every thread's /proc children list.
std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> children;
  std::error_code ec;
  for (const auto& task : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream in(task.path() / "children");
    for (pid_t child; in >> child;) children.push_back(child);
  }
  return children;
}

bool alive(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  const std::size_t close = stat.rfind(')');
  return in && close != std::string::npos && stat.size() > close + 2 && stat[close + 2] != 'Z';
}

}  // namespace

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
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::freopen("/dev/null", "w", stdout);
    ::freopen("/dev/null", "w", stderr);
    ::execl(CLUSTERSIM_BINARY, "clustersim", "simulate", scenario.c_str(), "--quiet", "--no-report", "--out",
            (scratch.path() + "/out").c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::vector<pid_t> seen;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (seen.empty() && std::chrono::steady_clock::now() < give_up) {
    seen = children_of(pid);
    if (seen.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE_FALSE(seen.empty());  // a case's simulation is running
  ::kill(pid, SIGINT);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK((WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0)));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  auto any_alive = [&] { return std::any_of(seen.begin(), seen.end(), alive); };
  while (any_alive() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK_FALSE(any_alive());
  CHECK_FALSE(fs::exists(scratch.path() + "/out"));  // nothing half-written
}
