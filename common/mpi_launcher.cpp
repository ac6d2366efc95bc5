// SPDX-License-Identifier: Apache-2.0
// mpirun is started with fork/exec in a new process group; stdout and stderr are drained with
// poll() so neither pipe can fill and stall the ranks; the timeout and the interrupt handler kill
// the whole group (mpirun, its daemons and the ranks).
#include "common/mpi_launcher.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

namespace clustersim {
namespace {

std::atomic<pid_t> running_mpirun{0};
volatile sig_atomic_t interrupted_by = 0;

// Asks mpirun to stop (it forwards the stop to its ranks, which Open MPI keeps in process groups
// of their own) and lets run_mpi_job finish the clean-up before clustersim dies of the signal.
extern "C" void stop_job(int signal_number) {
  interrupted_by = signal_number;
  const pid_t mpirun = running_mpirun.load();
  if (mpirun > 0) ::kill(mpirun, SIGTERM);
}

/// Installs the interrupt handlers while a job runs and restores the previous ones after.
class InterruptGuard {
 public:
  explicit InterruptGuard(pid_t mpirun) {
    running_mpirun = mpirun;
    interrupted_by = 0;
    struct sigaction action {};
    action.sa_handler = stop_job;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, &old_int_);
    ::sigaction(SIGTERM, &action, &old_term_);
  }
  ~InterruptGuard() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
    running_mpirun = 0;
  }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

/// Stops a job: SIGTERM to mpirun, which takes its ranks down, then SIGKILL to whatever of its
/// process group is left after a grace period. Returns mpirun's wait status.
int stop_and_reap(pid_t mpirun) {
  ::kill(mpirun, SIGTERM);
  int status = 0;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (::waitpid(mpirun, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > give_up) {
      ::kill(-mpirun, SIGKILL);
      ::waitpid(mpirun, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return status;
}

std::string tail(const std::string& text, std::size_t lines) {
  std::size_t pos = text.size();
  while (lines-- > 0 && pos > 0) {
    const std::size_t nl = text.rfind('\n', pos - 1);
    if (nl == std::string::npos) return text;
    pos = nl;
  }
  return text.substr(pos == 0 ? 0 : pos + 1);
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exit status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("signal {} ({})", WTERMSIG(status), ::strsignal(WTERMSIG(status)));
  return "unknown status";
}

}  // namespace

std::filesystem::path program_beside_clustersim(const std::string& name) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (ec ? std::filesystem::current_path() : self.parent_path()) / name;
}

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
  throw LaunchError("mpirun not found on PATH: install Open MPI (Debian: apt-get install openmpi-bin "
                    "libopenmpi-dev, as scripts/setup.sh does) or set CLUSTERSIM_MPIRUN");
}

std::vector<std::string> mpirun_command(const MpiJob& job) {
  std::vector<std::string> cmd = job.wrapper;
  cmd.insert(cmd.end(), {find_mpirun(), "-np", std::to_string(job.ranks)});
  if (::geteuid() == 0) cmd.push_back("--allow-run-as-root");
  const auto cores = std::thread::hardware_concurrency();
  if (static_cast<unsigned>(job.ranks) > cores)
    cmd.push_back("--oversubscribe");
  else
    cmd.insert(cmd.end(), {"--bind-to", job.bind_to_core ? "core" : "none"});
  cmd.insert(cmd.end(), job.mpirun_options.begin(), job.mpirun_options.end());
  cmd.push_back(job.program);
  cmd.insert(cmd.end(), job.args.begin(), job.args.end());
  return cmd;
}

MpiJobOutput run_mpi_job(const MpiJob& job) {
  const std::vector<std::string> cmd = mpirun_command(job);
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0)
    throw LaunchError(fmt::format("cannot start {}: pipe: {}", job.program, std::strerror(errno)));

  const pid_t child = ::fork();
  if (child < 0) throw LaunchError(fmt::format("cannot start {}: fork: {}", job.program, std::strerror(errno)));
  if (child == 0) {
    ::setpgid(0, 0);
    ::dup2(out_pipe[1], STDOUT_FILENO);
    ::dup2(err_pipe[1], STDERR_FILENO);
    std::vector<char*> argv;
    for (const auto& a : cmd) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  ::setpgid(child, child);  // also from the parent, so the group exists before any kill
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  InterruptGuard guard(child);

  MpiJobOutput output;
  const auto deadline = std::chrono::steady_clock::now() + job.timeout;
  bool timed_out = false;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&output.stdout_text, &output.stderr_text};
  int open_pipes = 2;
  while (open_pipes > 0 && !interrupted_by) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    if (::poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buffer[65536];
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_pipes;
      }
    }
  }
  for (auto& fd : fds)
    if (fd.fd >= 0) ::close(fd.fd);
  int status = 0;
  if (timed_out || interrupted_by) {
    status = stop_and_reap(child);
    if (interrupted_by) {
      const int signal_number = interrupted_by;
      ::signal(signal_number, SIG_DFL);
      ::raise(signal_number);
    }
  } else {
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
  }

  if (timed_out)
    throw LaunchError(fmt::format("{} with {} ranks did not finish within {} s and was killed", job.program,
                                  job.ranks, job.timeout.count()));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && output.stderr_text.empty())
    throw LaunchError(fmt::format("cannot execute {}", cmd.front()));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw LaunchError(fmt::format("{} with {} ranks failed ({}); its last messages:\n{}", job.program, job.ranks,
                                  describe_status(status), tail(output.stderr_text, 12)));
  return output;
}

}  // namespace clustersim
