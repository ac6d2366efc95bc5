// SPDX-License-Identifier: Apache-2.0
// Running clustersim in the background as a user would, to hit it with a signal or a fault while
// it runs: every process it starts is recorded, so that a test can check none outlives it.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "support/run_clustersim.hpp"

namespace clustersim::testing {

using Clock = std::chrono::steady_clock;

/// Every process's parent, from /proc.
inline std::map<pid_t, pid_t> parents() {
  std::map<pid_t, pid_t> parent_of;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string stat;
    std::getline(in, stat);
    const std::size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    pid_t ppid = 0;
    char state = 0;
    if (std::sscanf(stat.c_str() + close + 1, " %c %d", &state, &ppid) == 2 && state != 'Z')
      parent_of[std::stoi(name)] = ppid;
  }
  return parent_of;
}

/// The live (not zombie) descendants of `root`.
inline std::set<pid_t> descendants(pid_t root) {
  const std::map<pid_t, pid_t> parent_of = parents();
  std::set<pid_t> found{root};
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [pid, ppid] : parent_of)
      if (found.count(ppid) && found.insert(pid).second) grew = true;
  }
  found.erase(root);
  return found;
}

inline std::string command_name(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

inline bool alive(pid_t pid) { return parents().count(pid) > 0; }

/// clustersim started in the background with its output in files, and every process it starts
/// recorded while it runs, so that the test can check none outlives it.
class Background {
 public:
  /// `path`, when given, replaces PATH for clustersim.
  Background(const std::vector<std::string>& args, const std::filesystem::path& dir, const std::string& path = "")
      : out_(dir / "out.txt"), err_(dir / "err.txt") {
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      if (!path.empty()) ::setenv("PATH", path.c_str(), 1);
      ::freopen(out_.c_str(), "w", stdout);
      ::freopen(err_.c_str(), "w", stderr);
      std::vector<char*> argv{const_cast<char*>(CLUSTERSIM_BINARY)};
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(CLUSTERSIM_BINARY, argv.data());
      ::_exit(127);
    }
  }
  ~Background() {
    if (status_ < 0) {  // a failed REQUIRE: do not leave it running
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  pid_t pid() const { return pid_; }

  /// Waits up to `limit` for one of its processes to satisfy `wanted`; records all it sees.
  pid_t wait_for(const std::function<bool(pid_t)>& wanted, std::chrono::seconds limit = std::chrono::seconds(60)) {
    for (const auto give_up = Clock::now() + limit; Clock::now() < give_up;) {
      for (pid_t p : descendants(pid_)) {
        seen_.insert(p);
        if (wanted(p)) return p;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return 0;
  }

  /// A rank program of the run, once one runs.
  pid_t rank() {
    return wait_for([](pid_t p) { return command_name(p).rfind("clustersim_live", 0) == 0; });
  }

  /// Waits for clustersim to end (at most `limit`) and returns its wait status.
  int finish(std::chrono::seconds limit = std::chrono::seconds(60)) {
    for (const auto give_up = Clock::now() + limit; Clock::now() < give_up;) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) return status_ = status;
      for (pid_t p : descendants(pid_)) seen_.insert(p);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL("clustersim did not end within " << limit.count() << " s of the fault");
    return -1;
  }

  /// The processes it started that are still there a moment after it ended.
  std::set<pid_t> left_behind() const {
    std::set<pid_t> left;
    for (int i = 0; i < 50; ++i) {
      left.clear();
      for (pid_t p : seen_)
        if (alive(p)) left.insert(p);
      if (left.empty()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return left;
  }

  std::string err() const { return slurp(err_); }

 private:
  std::filesystem::path out_, err_;
  pid_t pid_ = -1;
  int status_ = -1;
  std::set<pid_t> seen_;
};

inline bool died_of(int status, int signal_number) { return WIFSIGNALED(status) && WTERMSIG(status) == signal_number; }

}  // namespace clustersim::testing
