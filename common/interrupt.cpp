// SPDX-License-Identifier: Apache-2.0
// The handler only stores the signal and sends one kill(): both async-signal-safe. The handlers
// are installed without SA_RESTART, so that a blocking read or poll returns EINTR and its loop
// can look at the flag.
#include "common/interrupt.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>

namespace clustersim {
namespace {

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};

volatile sig_atomic_t caught = 0;

// The jobs running now, one slot each: cases simulate in parallel, each in its own process group.
// A fixed array of lock-free atomics is what a signal handler may walk.
constexpr int kSlots = 256;
std::atomic<pid_t> targets[kSlots];
static_assert(std::atomic<pid_t>::is_always_lock_free);

void stop_targets() {
  for (auto& slot : targets) {
    const pid_t group = slot.load();
    if (group > 0) ::kill(-group, SIGTERM);
  }
}

extern "C" void on_interrupt(int signal_number) {
  if (caught == signal_number) {  // the second one: no more waiting
    ::signal(signal_number, SIG_DFL);
    ::raise(signal_number);
    return;
  }
  caught = signal_number;
  stop_targets();
  static const char kNote[] = "\nclustersim: stopping, cleaning up (the same signal again stops at once)\n";
  [[maybe_unused]] const ssize_t ignored = ::write(STDERR_FILENO, kNote, sizeof kNote - 1);
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART
  for (const int s : kSignals) ::sigaction(s, &action, nullptr);
}

int interrupt_signal() { return caught; }

void throw_if_interrupted() {
  if (caught != 0) throw Interrupted{caught};
}

InterruptTarget::InterruptTarget(pid_t group) {
  for (int i = 0; i < kSlots && group > 0; ++i) {
    pid_t free = 0;
    if (targets[i].compare_exchange_strong(free, group)) {
      slot_ = i;
      break;
    }
  }
  // With more jobs at once than slots, the rest are not stopped by a signal, only waited for.
  if (caught != 0 && group > 0) ::kill(-group, SIGTERM);  // the signal came before the job started
}

InterruptTarget::~InterruptTarget() {
  if (slot_ >= 0) targets[slot_] = 0;
}

void reset_interrupt_handlers_in_child() {
  for (const int s : kSignals) ::signal(s, SIG_DFL);
}

}  // namespace clustersim
