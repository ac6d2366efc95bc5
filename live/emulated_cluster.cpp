// SPDX-License-Identifier: Apache-2.0
// Building and removing the emulated cluster with iproute2 (`ip`, `tc`) as child processes.
#include "live/emulated_cluster.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/process_runner.hpp"

namespace clustersim::live {
namespace {

/// Runs a command without a shell. Returns its exit status (-1 if it could not start) and
/// whatever it wrote on stderr.
int run_quietly(const std::vector<std::string>& argv, std::string* error_text = nullptr) {
  int err[2];
  if (::pipe2(err, O_CLOEXEC) != 0) return -1;
  const pid_t child = ::fork();
  if (child < 0) return -1;
  if (child == 0) {
    const int null_fd = ::open("/dev/null", O_RDWR);
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(null_fd, STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    exec_or_exit(argv);
  }
  ::close(err[1]);
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = ::read(err[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(err[0]);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {}
  if (error_text) *error_text = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void must_run(const std::vector<std::string>& argv) {
  std::string error_text;
  const int status = run_quietly(argv, &error_text);
  if (status != 0) {
    std::string command;
    for (const auto& a : argv) command += (command.empty() ? "" : " ") + a;
    throw LaunchError(fmt::format("emulated cluster: `{}` failed (exit {}): {}", command, status, error_text));
  }
}

/// Deletes the namespaces (which takes their veth ends and qdiscs with them) and the agent.
void remove_all(const std::vector<std::string>& namespaces, const std::string& agent_dir) {
  for (const auto& ns : namespaces) run_quietly({"ip", "netns", "del", ns});
  std::error_code ec;
  if (!agent_dir.empty()) std::filesystem::remove_all(agent_dir, ec);
}

/// A child that waits for the write end of `pipe_fds` to close — when clustersim exits for any
/// reason — and then removes what the cluster created. It leaves clustersim's process group so
/// that a Ctrl-C to clustersim does not kill it before it has cleaned up.
int start_guardian(const std::vector<std::string>& namespaces, const std::string& agent_dir) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw LaunchError(fmt::format("emulated cluster: pipe: {}", std::strerror(errno)));
  const pid_t child = ::fork();
  if (child < 0) throw LaunchError(fmt::format("emulated cluster: fork: {}", std::strerror(errno)));
  if (child == 0) {
    ::setsid();
    ::signal(SIGINT, SIG_IGN);
    ::signal(SIGTERM, SIG_IGN);
    ::close(fds[1]);
    char byte;
    while (::read(fds[0], &byte, 1) != 0 && errno == EINTR) {}
    remove_all(namespaces, agent_dir);
    ::_exit(0);
  }
  ::close(fds[0]);
  return fds[1];
}

/// The CPUs this process may use, split into ranks_per_node for each node in turn; all empty
/// when there are fewer CPUs than ranks (the nodes then share every CPU, oversubscribed).
std::vector<std::string> split_cpus(const EmulatedClusterSpec& spec) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  std::vector<int> cpus;
  if (::sched_getaffinity(0, sizeof allowed, &allowed) == 0)
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
  std::vector<std::string> per_node(spec.nodes);
  if (static_cast<int>(cpus.size()) < spec.nodes * spec.ranks_per_node) return per_node;
  for (int i = 0; i < spec.nodes; ++i)
    per_node[i] = fmt::format(
        "{}", fmt::join(cpus.begin() + i * spec.ranks_per_node, cpus.begin() + (i + 1) * spec.ranks_per_node, ","));
  return per_node;
}

}  // namespace

bool can_emulate_cluster(std::string& why) {
  if (::geteuid() != 0) {
    why = "the emulated cluster needs root (network namespaces, veth links and tc shaping)";
    return false;
  }
  if (run_quietly({"ip", "-V"}) != 0 || run_quietly({"tc", "-V"}) != 0) {
    why = "the emulated cluster needs iproute2's `ip` and `tc` (Debian: apt-get install iproute2)";
    return false;
  }
  return true;
}

EmulatedCluster::EmulatedCluster(const EmulatedClusterSpec& spec) : spec_(spec) {
  if (spec.nodes < 2 || spec.nodes > 8 || spec.ranks_per_node < 1 || spec.ranks_per_node > 8 ||
      !(spec.inter_node_Gbps > 0))
    throw LaunchError("emulated cluster: needs 2..8 nodes, 1..8 ranks per node and a positive rate");
  std::string why;
  if (!can_emulate_cluster(why)) throw LaunchError(why);

  const int pid = static_cast<int>(::getpid());
  prefix_ = fmt::format("cs{}", pid);
  subnet_ = fmt::format("10.213.{}.0/24", pid % 256);
  for (int i = 0; i < spec.nodes; ++i) namespaces_.push_back(fmt::format("{}n{}", prefix_, i));
  node_cpus_ = split_cpus(spec);
  namespaces_.push_back(prefix_ + "sw");
  agent_dir_ = (std::filesystem::temp_directory_path() / (prefix_ + "-agent")).string();
  guardian_pipe_ = start_guardian(namespaces_, agent_dir_);

  try {
    const std::string sw = namespaces_.back();
    for (const auto& ns : namespaces_) must_run({"ip", "netns", "add", ns});
    must_run({"ip", "-n", sw, "link", "add", "br0", "type", "bridge"});
    must_run({"ip", "-n", sw, "link", "set", "br0", "up"});
    // tbf needs a bucket of at least one MTU-sized burst per timer tick; 64 KiB suffices up to
    // tens of Gbit/s here. `latency` only bounds the queue, it adds no delay.
    const std::string rate = fmt::format("{}kbit", std::llround(spec.inter_node_Gbps * 1e6));
    for (int i = 0; i < spec.nodes; ++i) {
      const std::string node = namespaces_[i];
      const std::string host_end = fmt::format("{}h{}", prefix_, i), switch_end = fmt::format("{}s{}", prefix_, i);
      must_run({"ip", "link", "add", host_end, "type", "veth", "peer", "name", switch_end});
      must_run({"ip", "link", "set", host_end, "netns", node});
      must_run({"ip", "link", "set", switch_end, "netns", sw});
      must_run({"ip", "-n", sw, "link", "set", switch_end, "master", "br0"});
      must_run({"ip", "-n", sw, "link", "set", switch_end, "up"});
      must_run({"ip", "-n", node, "addr", "add", node_address(i) + "/24", "dev", host_end});
      must_run({"ip", "-n", node, "link", "set", host_end, "up"});
      must_run({"ip", "-n", node, "link", "set", "lo", "up"});
      for (const auto& [ns, dev] : {std::pair{node, host_end}, std::pair{sw, switch_end}})
        must_run({"tc", "-n", ns, "qdisc", "add", "dev", dev, "root", "tbf", "rate", rate, "burst", "64kb", "latency",
                  "100ms"});
    }
    // Open MPI starts a daemon on each other node through this "remote shell": it runs the
    // daemon's command line inside that node's namespace.
    std::filesystem::create_directories(agent_dir_);
    const std::filesystem::path agent = std::filesystem::path(agent_dir_) / "netns-agent";
    std::ofstream script(agent);
    script << "#!/bin/sh\n# Started by mpirun as its rsh agent: host, then the daemon's command line.\n"
           << "host=$1; shift\ncase $host in\n";
    for (int i = 0; i < spec.nodes; ++i)
      script << fmt::format("  {}) ns={}; entry=\"{}\";;\n", node_address(i), namespaces_[i],
                            fmt::join(node_entry(i), " "));
    script << "  *) echo \"emulated cluster: unknown host $host\" >&2; exit 1;;\nesac\n"
           << "exec ip netns exec \"$ns\" $entry sh -c \"hostname $ns && $*\"\n";
    script.close();
    if (!script) throw LaunchError("emulated cluster: cannot write the rsh agent in " + agent_dir_);
    std::filesystem::permissions(agent, std::filesystem::perms::owner_all);
  } catch (...) {
    tear_down();
    throw;
  }
}

EmulatedCluster::~EmulatedCluster() { tear_down(); }

void EmulatedCluster::tear_down() noexcept {
  remove_all(namespaces_, agent_dir_);
  if (guardian_pipe_ >= 0) ::close(guardian_pipe_);  // the guardian finds nothing left and exits
  guardian_pipe_ = -1;
}

std::string EmulatedCluster::node_address(int i) const {
  return fmt::format("10.213.{}.{}", static_cast<int>(::getpid()) % 256, i + 1);
}

MpiJob EmulatedCluster::place(MpiJob job, bool across_nodes) const {
  std::string hosts;
  for (int i = 0; i < spec_.nodes; ++i)
    hosts += fmt::format("{}{}:{}", i ? "," : "", node_address(i), spec_.ranks_per_node);
  job.wrapper = {"ip", "netns", "exec", namespaces_.front()};
  const std::vector<std::string> entry = node_entry(0);
  job.wrapper.insert(job.wrapper.end(), entry.begin(), entry.end());
  job.wrapper.insert(job.wrapper.end(), {"sh", "-c", "hostname " + namespaces_.front() + " && exec \"$@\"", "sh"});
  job.bind_to_core = false;
  const std::string agent = (std::filesystem::path(agent_dir_) / "netns-agent").string();
  job.mpirun_options.insert(job.mpirun_options.end(),
                            {"--host", hosts, "--mca", "plm_rsh_agent", agent, "--mca", "btl", "self,vader,tcp",
                             "--mca", "btl_tcp_if_include", subnet_, "--mca", "oob_tcp_if_include", subnet_});
  if (across_nodes) job.mpirun_options.insert(job.mpirun_options.end(), {"--map-by", "node"});
  return job;
}

std::vector<std::string> EmulatedCluster::node_entry(int i) const {
  std::vector<std::string> entry = {"unshare", "--uts"};
  if (!node_cpus_[i].empty()) entry.insert(entry.end(), {"taskset", "-c", node_cpus_[i]});
  return entry;
}

std::string EmulatedCluster::topology_spec() const {
  return fmt::format("emulated_cluster:nodes={},ranks_per_node={},inter_node_Gbps={}", spec_.nodes,
                     spec_.ranks_per_node, spec_.inter_node_Gbps);
}

}  // namespace clustersim::live
