// SPDX-License-Identifier: Apache-2.0
// Faults injected into runs, as users meet them: a rank killed mid-step, mpirun missing, a full
// disk under the output, Ctrl-C mid-run (also on an emulated cluster, during validate's
// calibration and while report waits for gnuplot). Each must end with a clear error or the
// signal, no process of the run left, no namespace or staging directory left, and the results of
// an earlier run untouched.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "live/emulated_cluster.hpp"
#include "support/background_run.hpp"
#include "support/run_clustersim.hpp"
#include "support/scratch_dir.hpp"

namespace fs = std::filesystem;
using namespace clustersim::testing;  // Background, ScratchDir, run_clustersim, slurp, died_of

namespace {

/// A live scenario on two CPU ranks whose cases last long enough (many repetitions of a step
/// over 100k tokens) for a fault to land mid-run.
std::string long_scenario(const ScratchDir& scratch) {
  return scratch.write("long.yaml",
                       "name: long_live\n"
                       "topology: {generator: cpu_host, ranks: 2}\n"
                       "device: cpu_core\n"
                       "workload: {batch: 1, heads: 4, kv_heads: 2, head_dim: 64, context: 100000, dtype: fp32}\n"
                       "strategies: [ring, tree]\n");
}

/// A results directory from an earlier (simulated) run, and its files' contents.
std::map<std::string, std::string> earlier_results(const ScratchDir& scratch, const fs::path& out) {
  const auto run = run_clustersim("simulate " + long_scenario(scratch) + " --quiet --no-report --out " + out.string());
  REQUIRE(run.exit_code == 0);
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::directory_iterator(out)) files[entry.path().filename().string()] = slurp(entry.path());
  REQUIRE(files.count("results.json") == 1);
  return files;
}

std::map<std::string, std::string> files_in(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) files[entry.path().filename().string()] = slurp(entry.path());
  return files;
}

/// Names under `dir` (not recursive) that look like clustersim's staging or partial files.
std::vector<std::string> staging_in(const fs::path& dir) {
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.find("staging") != std::string::npos || name.find(".partial-") != std::string::npos ||
        name.find(".validate-") != std::string::npos)
      found.push_back(name);
  }
  return found;
}

}  // namespace

SCENARIO("a rank killed mid-step ends the live run with an error naming the case, and nothing is left",
         "[live][faults]") {
  const ScratchDir scratch;
  const fs::path out = fs::path(scratch.path()) / "R";
  const auto before = earlier_results(scratch, out);
  Background run({"live", long_scenario(scratch), "--reps", "100000", "--out", out.string()}, scratch.path());
  const pid_t rank = run.rank();
  REQUIRE(rank > 0);
  ::kill(rank, SIGKILL);
  const int status = run.finish();
  INFO(run.err());
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 1));
  CHECK_THAT(run.err(), Catch::Contains("clustersim: error: case 0 (ring p=2 context 100000)") &&
                            Catch::Contains("clustersim_live_cpu with 2 ranks failed"));
  CHECK(run.left_behind().empty());
  CHECK(files_in(out) == before);
  CHECK(staging_in(out).empty());
  CHECK(staging_in(scratch.path()).empty());
}

SCENARIO("Ctrl-C in the middle of a live run stops every rank and ends with the signal", "[live][faults][signals]") {
  const ScratchDir scratch;
  const fs::path out = fs::path(scratch.path()) / "R";
  const auto before = earlier_results(scratch, out);
  Background run({"live", long_scenario(scratch), "--reps", "100000", "--out", out.string()}, scratch.path());
  REQUIRE(run.rank() > 0);
  ::kill(run.pid(), SIGINT);  // clustersim alone, as `kill -INT` does; Ctrl-C would reach the ranks too
  const int status = run.finish();
  INFO(run.err());
  CHECK(died_of(status, SIGINT));
  CHECK_THAT(run.err(), Catch::Contains("clustersim: interrupted (SIGINT); nothing was written"));
  CHECK(run.left_behind().empty());
  CHECK(files_in(out) == before);
  CHECK(staging_in(out).empty());
}

SCENARIO("validate interrupted while it calibrates removes its staging directory", "[live][faults][signals]") {
  const ScratchDir scratch;
  const fs::path out = fs::path(scratch.path()) / "V";
  Background run({"validate", long_scenario(scratch), "--out", out.string()}, scratch.path());
  // validate stages everything beside the output until the end: wait until it is there.
  bool staged = false;
  for (const auto give_up = Clock::now() + std::chrono::seconds(30); !staged && Clock::now() < give_up;) {
    staged = !staging_in(scratch.path()).empty();
    if (!staged) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(staged);
  ::kill(run.pid(), SIGTERM);
  const int status = run.finish();
  INFO(run.err());
  CHECK(died_of(status, SIGTERM));
  CHECK(run.left_behind().empty());
  CHECK(staging_in(scratch.path()).empty());
  CHECK_FALSE(fs::exists(out));
}

SCENARIO("a live run without mpirun on PATH fails clearly and keeps the earlier results", "[live][faults]") {
  const ScratchDir scratch;
  const fs::path out = fs::path(scratch.path()) / "R";
  const auto before = earlier_results(scratch, out);
  const auto run =
      run_clustersim("live " + long_scenario(scratch) + " --out " + out.string(), "env PATH=" + scratch.path() + " ");
  INFO(run.err);
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.err, Catch::Contains("mpirun not found on PATH: install Open MPI"));
  CHECK(files_in(out) == before);
  CHECK(staging_in(out).empty());
}

SCENARIO("a full disk under the output fails the run with the system's reason and keeps the earlier results",
         "[live][faults]") {
  const ScratchDir scratch;
  const fs::path out = fs::path(scratch.path()) / "R";
  const auto before = earlier_results(scratch, out);
  const std::string live = std::string(CLUSTERSIM_BINARY) + " live " + long_scenario(scratch) +
                           " --reps 1 --warmup 0 --quiet --out " + out.string();
  // A file size limit (EFBIG) would need no privilege, but Open MPI's own files hit it first.
  // Mounting needs root with CAP_SYS_ADMIN, which some containers withhold even from root.
  const std::string probe = scratch.path() + "/probe";
  fs::create_directories(probe);
  if (::geteuid() != 0 ||
      clustersim::testing::run_shell("unshare --mount --propagation private mount -t tmpfs -o size=64k tmpfs " + probe)
              .exit_code != 0) {
    WARN("not run: this machine does not let the test mount a tmpfs in a mount namespace of its own");
    return;
  }
  {
    // A private mount namespace: the 1 MiB tmpfs over the results' folder is seen by this shell
    // and clustersim only, and goes when they end. The earlier results are copied onto it, a
    // filler takes the rest, and the shell then reports what the folder holds.
    const std::string r = out.string(), saved = scratch.path() + "/saved";
    const std::string script = "set -e; cp -a " + r + " " + saved + "; mount -t tmpfs -o size=1m tmpfs " + r +
                               "; cp -a " + saved + "/. " + r + "; head -c 2000000 /dev/zero > " + r +
                               "/.fill 2>/dev/null || true; set +e; " + live + "; code=$?; rm -f " + r +
                               "/.fill; ls -A " + r + " >&2; cmp " + r + "/results.json " + saved +
                               "/results.json >&2 && echo same >&2; exit $code";
    const auto run = clustersim::testing::run_shell("unshare --mount --propagation private sh -c '" + script + "'");
    INFO(run.err);
    CHECK(run.exit_code == 1);
    CHECK_THAT(run.err, Catch::Contains("cannot write ") && Catch::Contains("No space left on device"));
    CHECK_THAT(run.err, Catch::Contains("\nsame\n"));
    CHECK_THAT(run.err, !Catch::Contains("staging"));
  }
  CHECK(files_in(out) == before);
  CHECK(staging_in(out).empty());
}

SCENARIO("Ctrl-C during a live run on an emulated cluster removes the cluster", "[live][faults][signals][emulated]") {
  std::string why;
  if (!clustersim::live::can_emulate_cluster(why)) {
    WARN("not run: " << why);
    return;
  }
  const ScratchDir scratch;
  const std::string scenario =
      scratch.write("emulated.yaml",
                    "name: emulated_long\n"
                    "topology: {generator: emulated_cluster, nodes: 2, ranks_per_node: 1, inter_node_Gbps: 1}\n"
                    "device: cpu_core\n"
                    "workload: {batch: 1, heads: 4, kv_heads: 2, head_dim: 64, context: 100000, dtype: fp32}\n"
                    "strategies: [ring]\n");
  const fs::path out = fs::path(scratch.path()) / "R";
  Background run({"live", scenario, "--reps", "100000", "--out", out.string()}, scratch.path());
  REQUIRE(run.rank() > 0);
  ::kill(run.pid(), SIGINT);
  const int status = run.finish();
  INFO(run.err());
  CHECK(died_of(status, SIGINT));
  CHECK(run.left_behind().empty());
  const std::string prefix = "cs" + std::to_string(run.pid());
  CHECK(clustersim::testing::run_shell("ip netns list").out.find(prefix) == std::string::npos);
  CHECK_FALSE(fs::exists(fs::temp_directory_path() / (prefix + "-agent")));
  CHECK_FALSE(fs::exists(out));
}

SCENARIO("Ctrl-C while report waits for gnuplot stops it and ends with the signal, writing no report",
         "[faults][signals]") {
  // A gnuplot that never finishes on its own (first on PATH): the signal, not gnuplot, must end it.
  const ScratchDir scratch;
  const fs::path bin = fs::path(scratch.path()) / "bin";
  fs::create_directories(bin);
  const std::string slow = scratch.write("bin/gnuplot", "#!/bin/sh\nexec sleep 300\n");
  fs::permissions(slow, fs::perms::owner_all);
  const fs::path out = fs::path(scratch.path()) / "R";
  earlier_results(scratch, out);
  Background run({"report", (out / "results.json").string()}, scratch.path(), bin.string() + ":" + std::getenv("PATH"));
  REQUIRE(run.wait_for([](pid_t p) { return command_name(p) == "sleep"; }) > 0);
  ::kill(run.pid(), SIGINT);
  const int status = run.finish(std::chrono::seconds(30));
  INFO(run.err());
  CHECK(died_of(status, SIGINT));
  CHECK(run.left_behind().empty());
  CHECK_FALSE(fs::exists(out / "report.html"));
  CHECK(staging_in(out).empty());
}
