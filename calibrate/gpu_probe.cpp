// SPDX-License-Identifier: Apache-2.0
// The probe writes into a scratch directory under the system temp dir; its files are read back
// into memory so that calibration writes them beside the profile together with the rest, whole.
#include "calibrate/gpu_probe.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "common/read_file.hpp"

extern char** environ;

namespace clustersim::calibrate {
namespace {

std::string read_text(const std::filesystem::path& path) {
  return read_text_file(path, "GPU probe output", kTextFileLimit);
}

std::string last_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  const std::size_t nl = text.rfind('\n');
  return nl == std::string::npos ? text : text.substr(nl + 1);
}

/// Runs the program with stderr into `stderr_file`; returns its wait status.
int run_program(const std::vector<std::string>& argv, const std::filesystem::path& stderr_file) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawn_error = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0)
    throw std::runtime_error(fmt::format("cannot start {}: {}", argv[0], std::strerror(spawn_error)));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  return status;
}

class ScratchDirectory {
 public:
  ScratchDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "clustersim_gpu_probe_XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot create a scratch directory for the GPU probe");
    path_ = pattern;
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace

GpuProbeResult run_gpu_probe(const std::filesystem::path& probe, bool quick) {
  GpuProbeResult result;
  if (!std::filesystem::exists(probe)) {
    result.why_not = "built without CUDA";
    return result;
  }
  ScratchDirectory scratch;
  const std::filesystem::path out = scratch.path() / "out";
  const std::filesystem::path errors = scratch.path() / "stderr.txt";
  std::filesystem::create_directories(out);
  std::vector<std::string> argv{probe.string(), "--out", out.string()};
  if (quick) argv.push_back("--quick");
  const int status = run_program(argv, errors);
  const std::string reason = last_line(read_text(errors));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
    result.why_not = reason.empty() ? "no GPU" : reason;
    return result;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    result.why_not = fmt::format("the GPU probe failed ({}){}",
                                 WIFEXITED(status) ? fmt::format("exit status {}", WEXITSTATUS(status))
                                                   : fmt::format("signal {}", WTERMSIG(status)),
                                 reason.empty() ? "" : ": " + reason);
    return result;
  }
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(out, ec))
    if (entry.is_regular_file()) result.files[entry.path().filename().string()] = read_text(entry.path());
  result.ran = true;
  return result;
}

}  // namespace clustersim::calibrate
