// SPDX-License-Identifier: Apache-2.0
// simulate(): each simulation runs in a forked child, which builds its own SimGrid engine and
// sends the result back as JSON over a pipe. The child shares the parent's memory copy-on-write,
// so nothing is serialised on the way in; doubles round-trip exactly through the JSON text.
#include "sim/simulate.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "common/input_error.hpp"
#include "common/interrupt.hpp"
#include "sim/executor.hpp"
#include "sim/result_json.hpp"

namespace clustersim::sim {

namespace {

void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

std::string read_all(int fd) {
  std::string text;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return text;
}

}  // namespace

SimulationResult simulate(const model::TaskGraph& graph, const SimulationInput& given) {
  if (!given.topology || !given.device) throw std::invalid_argument("simulate: topology and device are required");
  SimulationInput input = given;
  if (input.placement.size() == 0) input.placement = model::placement_on(*input.topology, input.gpu_of_rank);
  // Unflushed output would be written twice, once by each process.
  std::fflush(stdout);
  std::fflush(stderr);
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error(std::string("simulate: pipe: ") + std::strerror(errno));
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child < 0) throw std::runtime_error(std::string("simulate: fork: ") + std::strerror(errno));
  if (child == 0) {
    // The simulation dies with clustersim, however clustersim ends (Ctrl-C, kill): no orphan.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);  // the parent was already gone
    ::setpgid(0, 0);                        // a group of its own, which an interrupt stops (common/interrupt)
    reset_interrupt_handlers_in_child();
    ::close(fds[0]);
    nlohmann::json reply;
    try {
      SimulationResult result = execute_in_this_process(graph, input);
      rusage usage{};
      ::getrusage(RUSAGE_SELF, &usage);
      result.engine_peak_rss_bytes = static_cast<double>(usage.ru_maxrss) * 1024;
      reply["result"] = result;
    } catch (const InputError& e) {  // a bad figure met while simulating: the same error in the parent
      reply["input_error"] = {{"file", e.mark().file},  {"line", e.mark().line},  {"column", e.mark().column},
                              {"element", e.element()}, {"message", e.message()}, {"note", e.note()}};
    } catch (const std::exception& e) { reply["error"] = e.what(); }
    write_all(fds[1], reply.dump());
    ::close(fds[1]);
    ::_exit(0);  // skip the engine's teardown: the process is done
  }
  ::setpgid(child, child);  // also from the parent, so the group exists before any kill
  const InterruptTarget stop_on_interrupt(child);
  ::close(fds[1]);
  const std::string text = read_all(fds[0]);
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {}
  throw_if_interrupted();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || text.empty())
    throw std::runtime_error(
        "simulate: the simulation process died" +
        (WIFSIGNALED(status) ? " (signal " + std::to_string(WTERMSIG(status)) + ")" : std::string{}));
  const nlohmann::json reply = nlohmann::json::parse(text);
  if (reply.contains("input_error")) {
    const nlohmann::json& e = reply["input_error"];
    throw InputError({e["file"].get<std::string>(), e["line"].get<int>(), e["column"].get<int>()},
                     e["element"].get<std::string>(), e["message"].get<std::string>(), e["note"].get<std::string>());
  }
  if (reply.contains("error")) throw std::runtime_error("simulate: " + reply["error"].get<std::string>());
  return reply["result"].get<SimulationResult>();
}

}  // namespace clustersim::sim
