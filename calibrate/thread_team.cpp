// SPDX-License-Identifier: Apache-2.0
// Workers spin briefly on the step counter before sleeping on a condition variable: a timed
// loop calls run() back to back, and a futex wake-up per step would add tens of microseconds
// to every short kernel (and to the launch overhead calibration derives from them), while
// sleeping between groups keeps idle teams off the cores.
#include "calibrate/thread_team.hpp"

#include <stdexcept>

namespace clustersim::calibrate {
namespace {

constexpr int kSpinsBeforeSleeping = 20000;

}  // namespace

ThreadTeam::ThreadTeam(int threads) {
  if (threads < 1) throw std::invalid_argument("ThreadTeam: at least one thread");
  for (int member = 1; member < threads; ++member) workers_.emplace_back([this, member] { work(member); });
}

ThreadTeam::~ThreadTeam() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadTeam::run(const std::function<void(int)>& step) {
  failure_ = nullptr;
  unfinished_.store(size());
  {
    std::lock_guard lock(mutex_);
    step_ = &step;
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  std::exception_ptr own;
  try {
    step(0);
  } catch (...) { own = std::current_exception(); }
  finish_step(own);
  while (unfinished_.load() > 0) std::this_thread::yield();
  if (failure_) std::rethrow_exception(failure_);
}

void ThreadTeam::finish_step(std::exception_ptr failure) {
  if (failure) {
    std::lock_guard lock(mutex_);
    if (!failure_) failure_ = failure;
  }
  unfinished_.fetch_sub(1);
}

void ThreadTeam::work(int member) {
  unsigned seen = 0;
  for (;;) {
    for (int spin = 0; spin < kSpinsBeforeSleeping && generation_.load() == seen; ++spin) std::this_thread::yield();
    const std::function<void(int)>* step = nullptr;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return generation_.load() != seen; });
      seen = generation_.load();
      if (stopping_) return;
      step = step_;
    }
    std::exception_ptr failure;
    try {
      (*step)(member);
    } catch (...) { failure = std::current_exception(); }
    finish_step(failure);
  }
}

}  // namespace clustersim::calibrate
