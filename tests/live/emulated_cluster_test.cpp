// SPDX-License-Identifier: Apache-2.0
// The emulated cluster as root: ranks land in one network namespace (and hostname, and set of
// cores) per node, the rate between nodes is shaped while ranks of a node share memory, and
// nothing is left behind — after a normal end, and after the process that built the cluster is
// killed outright. Without root the cluster refuses to build, and says why.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

#include "calibrate/mpi_sweeps.hpp"
#include "live/emulated_cluster.hpp"
#include "live/rank_report.hpp"

using namespace clustersim;

namespace {

/// Names of the network namespaces that exist now.
std::string namespaces_now() {
  std::string text;
  if (FILE* p = ::popen("ip netns list 2>/dev/null", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, p)) text += line;
    ::pclose(p);
  }
  return text;
}

bool root() { return ::geteuid() == 0; }

}  // namespace

TEST_CASE("emulated cluster: ranks run in one namespace per node and everything is removed after", "[live][emulated]") {
  std::string why;
  if (!live::can_emulate_cluster(why)) {
    CHECK_THROWS_WITH(live::EmulatedCluster({2, 1, 1}), Catch::Contains(why));
    WARN("not run: " << why);
    return;
  }
  const std::string prefix = "cs" + std::to_string(::getpid());
  {
    const live::EmulatedCluster cluster({.nodes = 2, .ranks_per_node = 2, .inter_node_Gbps = 1});
    CHECK(namespaces_now().find(prefix + "n1") != std::string::npos);
    const MpiJobOutput out = run_mpi_job(
        cluster.place({.program = "/bin/sh",
                       .args = {"-c", "echo $OMPI_COMM_WORLD_RANK $(readlink /proc/self/ns/net) $(hostname)"},
                       .ranks = 4}));
    // Ranks 0 and 1 share node 0's namespace, 2 and 3 node 1's, and neither is this process's.
    // Each node has its own hostname: Open MPI tells nodes apart by it.
    std::map<int, std::string> ns_of, host_of;
    std::istringstream lines(out.stdout_text);
    for (int rank; lines >> rank;) lines >> ns_of[rank] >> host_of[rank];
    REQUIRE(ns_of.size() == 4);
    CHECK(ns_of[0] == ns_of[1]);
    CHECK(ns_of[2] == ns_of[3]);
    CHECK(ns_of[0] != ns_of[2]);
    CHECK(host_of[0] == prefix + "n0");
    CHECK(host_of[1] == prefix + "n0");
    CHECK(host_of[2] == prefix + "n1");
    CHECK(host_of[3] == prefix + "n1");
    char own[64] = {};
    REQUIRE(::readlink("/proc/self/ns/net", own, sizeof own - 1) > 0);
    CHECK(ns_of[0] != own);
    CHECK(cluster.topology_spec() == "emulated_cluster:nodes=2,ranks_per_node=2,inter_node_Gbps=1");
  }
  {
    // With a core per rank to spare, each node runs on cores of its own, as separate machines do.
    const live::EmulatedCluster cluster({.nodes = 2, .ranks_per_node = 1, .inter_node_Gbps = 1});
    const MpiJobOutput out = run_mpi_job(cluster.place(
        {.program = "/bin/sh",
         .args = {"-c", "echo $OMPI_COMM_WORLD_RANK $(grep Cpus_allowed_list /proc/self/status | cut -f2)"},
         .ranks = 2}));
    std::map<int, std::string> cpus_of;
    std::istringstream lines(out.stdout_text);
    for (int rank; lines >> rank;) lines >> cpus_of[rank];
    REQUIRE(cpus_of.size() == 2);
    if (cluster.node_cpus(0).empty()) {
      WARN("not checked: fewer than 2 CPUs, the nodes share them");
    } else {
      CHECK(cpus_of[0] == cluster.node_cpus(0));
      CHECK(cpus_of[1] == cluster.node_cpus(1));
      CHECK(cpus_of[0] != cpus_of[1]);
    }
  }
  CHECK(namespaces_now().find(prefix) == std::string::npos);
}

TEST_CASE("emulated cluster: killing its builder with SIGKILL still removes it", "[live][emulated]") {
  if (!root()) {
    WARN("not run: needs root");
    return;
  }
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t builder = ::fork();
  REQUIRE(builder >= 0);
  if (builder == 0) {
    ::close(ready[0]);
    const live::EmulatedCluster cluster({.nodes = 2, .ranks_per_node = 1, .inter_node_Gbps = 1});
    const char byte = 1;
    (void)!::write(ready[1], &byte, 1);
    ::pause();
    ::_exit(0);
  }
  ::close(ready[1]);
  char byte = 0;
  REQUIRE(::read(ready[0], &byte, 1) == 1);
  const std::string prefix = "cs" + std::to_string(builder);
  CHECK(namespaces_now().find(prefix) != std::string::npos);
  ::kill(builder, SIGKILL);
  ::waitpid(builder, nullptr, 0);
  // The guardian notices its builder is gone and deletes the namespaces.
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    gone = namespaces_now().find(prefix) == std::string::npos;
  }
  CHECK(gone);
}

TEST_CASE("emulated cluster: ranks of a node share memory, ranks of two nodes go through the shaped link",
          "[live][emulated]") {
  std::string why;
  if (!live::can_emulate_cluster(why)) {
    WARN("not run: " << why);
    return;
  }
  const double rate_Bps = 1e9 / 8;  // 1 Gbit/s
  const long long bytes = 256 << 10;
  const std::filesystem::path programs = std::filesystem::path(CLUSTERSIM_BINARY).parent_path();
  const live::EmulatedCluster cluster({.nodes = 2, .ranks_per_node = 2, .inter_node_Gbps = 1});
  // Two ranks ping-pong: both on node 0 (the default placement fills it first), or one per node.
  const auto one_way_s = [&](bool across_nodes) {
    const MpiJob job = cluster.place({.program = (programs / "clustersim_mpi_probe").string(),
                                      .args = {"--max-bytes", std::to_string(bytes), "--repetitions", "1"},
                                      .ranks = 2,
                                      .timeout = std::chrono::seconds(120)},
                                     across_nodes);
    const calibrate::MpiSweepResult sweep = calibrate::parse_mpi_probe_output(run_mpi_job(job).stdout_text, 2);
    return sweep.one_way_s.at(static_cast<double>(bytes)).median();
  };
  const double inter = one_way_s(true), intra = one_way_s(false);
  // tc lets at most its 64 KiB bucket through at once: the rest waits for the rate.
  CHECK(inter >= (bytes - (64 << 10)) / rate_Bps);
  // Within a node nothing is shaped and shared memory moves the message at GB/s.
  CHECK(intra < inter / 5);

  // All four ranks, both transports at once: a tiny tree and ring step reach the reference.
  // (Before each node had its own hostname, the two nodes' shared-memory segments collided and
  // this crashed.) Oversubscribed where there are fewer than 4 cores: only the output counts.
  for (const char* strategy : {"tree", "ring"}) {
    const MpiJob job = cluster.place({.program = (programs / "clustersim_live_cpu").string(),
                                      .args = {"--strategy", strategy, "--context", "64", "--heads", "2", "--kv-heads",
                                               "2", "--head-dim", "32", "--reps", "1", "--warmup", "0"},
                                      .ranks = 4,
                                      .timeout = std::chrono::seconds(120)});
    const live::RankReport report = live::parse_rank_report(run_mpi_job(job).stdout_text);
    CHECK(report.ranks == 4);
    CHECK(report.max_relative_error < 1e-4);
  }
}
