// SPDX-License-Identifier: Apache-2.0
// ThreadTeam: n threads that each run their share of a step and finish together, the way n
// live ranks each run a kernel on their own core and memory. The threads live as long as the
// team, so a thread can first-touch its buffers (the OS then places them near it) and later
// time kernels on them; a step costs a wake-up, not a thread start.
#pragma once

#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace clustersim::calibrate {

class ThreadTeam {
 public:
  /// Requires: threads >= 1. The calling thread is member 0; threads − 1 are started.
  explicit ThreadTeam(int threads);
  ~ThreadTeam();
  ThreadTeam(const ThreadTeam&) = delete;
  ThreadTeam& operator=(const ThreadTeam&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  /// Runs step(i) on member i for every i and returns when all have finished. The first
  /// exception thrown by a member is rethrown here (after every member has finished).
  void run(const std::function<void(int)>& step);

 private:
  void work(int member);
  void finish_step(std::exception_ptr failure);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  const std::function<void(int)>* step_ = nullptr;
  std::atomic<unsigned> generation_{0};  // bumped once per step; workers wait for a change
  std::atomic<int> unfinished_{0};
  std::exception_ptr failure_;
  bool stopping_ = false;
};

}  // namespace clustersim::calibrate
