// SPDX-License-Identifier: Apache-2.0
// Ctrl-C and kill: SIGINT, SIGTERM or SIGHUP stop the job clustersim is waiting for (a rank
// program under mpirun, gnuplot, a simulation process) and end the run by unwinding the stack, so
// that every staging directory and emulated cluster is removed on the way out; main() then dies
// of the same signal (exit status 128 + n to a shell). A second signal of the same kind kills at
// once. Long loops ask throw_if_interrupted() between their steps.
#pragma once

#include <sys/types.h>

namespace clustersim {

/// Thrown when a signal ended the run. Not a std::exception on purpose: code that turns errors
/// into messages and goes on (a calibration group that fails, a case that is refused) must not
/// swallow it.
struct Interrupted {
  int signal_number;
};

/// Installs the handlers (once, from main). Without them the signals keep their default action.
void install_interrupt_handlers();

/// The signal that interrupted the run, or 0.
int interrupt_signal();

/// Throws: Interrupted if a signal arrived.
void throw_if_interrupted();

/// While it lives, a signal sends SIGTERM to the process group `group` (a job started in a group
/// of its own) before the run unwinds. Several may live at once, in any threads.
class InterruptTarget {
 public:
  explicit InterruptTarget(pid_t group);
  ~InterruptTarget();
  InterruptTarget(const InterruptTarget&) = delete;
  InterruptTarget& operator=(const InterruptTarget&) = delete;

 private:
  int slot_ = -1;
};

/// In a child process after fork(): back to the default actions, so that the child dies of the
/// signal rather than waiting for a parent's loop to notice it.
void reset_interrupt_handlers_in_child();

}  // namespace clustersim
