// SPDX-License-Identifier: Apache-2.0
// The program is started with fork/exec in a new process group; stdout and stderr are drained
// with poll() so neither pipe can fill and stall it; the timeout and an interrupt (common/interrupt)
// stop the whole group.
#include "common/process_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "common/interrupt.hpp"

namespace clustersim {
namespace {

/// Stops a job: SIGTERM to its leader (mpirun takes its ranks down), then SIGKILL to whatever of
/// its process group is left after a grace period. Returns the leader's wait status.
int stop_and_reap(pid_t leader) {
  ::kill(leader, SIGTERM);
  int status = 0;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (::waitpid(leader, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > give_up) {
      ::kill(-leader, SIGKILL);
      ::waitpid(leader, &status, 0);
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

/// A descriptor to read `text` from: an anonymous memory file (no path, nothing left behind), or
/// /dev/null when there is no text.
int input_descriptor(const std::string& text, const std::string& what) {
  if (text.empty()) return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const int fd = ::memfd_create("clustersim-input", MFD_CLOEXEC);
  if (fd < 0) throw LaunchError(fmt::format("cannot start {}: memfd_create: {}", what, std::strerror(errno)));
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      throw LaunchError(fmt::format("cannot start {}: writing its input: {}", what, std::strerror(errno)));
    }
    done += static_cast<std::size_t>(n);
  }
  ::lseek(fd, 0, SEEK_SET);
  return fd;
}

}  // namespace

ProcessOutput run_process(const ProcessJob& job) {
  const std::vector<std::string>& cmd = job.command;
  const int in_fd = input_descriptor(job.input, job.what);
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(in_fd);
    throw LaunchError(fmt::format("cannot start {}: pipe: {}", job.what, std::strerror(errno)));
  }

  const pid_t child = ::fork();
  if (child < 0) throw LaunchError(fmt::format("cannot start {}: fork: {}", job.what, std::strerror(errno)));
  if (child == 0) {
    ::setpgid(0, 0);
    ::dup2(in_fd, STDIN_FILENO);
    ::dup2(out_pipe[1], STDOUT_FILENO);
    ::dup2(err_pipe[1], STDERR_FILENO);
    exec_or_exit(cmd);
  }
  ::setpgid(child, child);  // also from the parent, so the group exists before any kill
  ::close(in_fd);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  const InterruptTarget stop_on_interrupt(child);

  ProcessOutput output;
  const auto deadline = std::chrono::steady_clock::now() + job.timeout;
  bool timed_out = false;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&output.stdout_text, &output.stderr_text};
  int open_pipes = 2;
  while (open_pipes > 0 && !interrupt_signal()) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
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
  if (timed_out || interrupt_signal()) {
    status = stop_and_reap(child);
    throw_if_interrupted();
  } else {
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {}
  }

  if (timed_out)
    throw LaunchError(fmt::format("{} did not finish within {} s and was killed", job.what, job.timeout.count()));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && output.stderr_text.empty())
    throw LaunchError(fmt::format("cannot execute {}", cmd.front()));
  if (!WIFEXITED(status))
    throw LaunchError(fmt::format("{} failed ({}); its last messages:\n{}", job.what, describe_status(status),
                                  tail(output.stderr_text, 12)));
  output.exit_code = WEXITSTATUS(status);
  return output;
}

void exec_or_exit(const std::vector<std::string>& argv) noexcept {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execvp(args[0], args.data());
  ::_exit(127);
}

ProcessOutput run_program(const ProcessJob& job) {
  ProcessOutput output = run_process(job);
  if (output.exit_code != 0)
    throw LaunchError(fmt::format("{} failed (exit status {}); its last messages:\n{}", job.what, output.exit_code,
                                  tail(output.stderr_text, 12)));
  return output;
}

}  // namespace clustersim
