// SPDX-License-Identifier: Apache-2.0
// Which cases of a scenario can run live on the CPU backend (clustersim_live_cpu), how each is
// launched, and whether this machine can hold them: one MPI rank per device, every rank on this
// host, so the ranks need cores and the whole KV cache must fit in its memory.
#pragma once

#include <string>
#include <vector>

#include "live/machine.hpp"
#include "scenarios/scenario.hpp"

namespace clustersim::live {

struct LiveCase {
  const scenarios::Case* spec = nullptr;
  int ranks = 1;                  ///< MPI ranks: the case's device count (1 for single)
  std::vector<std::string> args;  ///< clustersim_live_cpu's arguments, without reps and warm-up
  std::string unsupported;        ///< why the CPU backend cannot run it; empty when it can
  double memory_bytes = 0;        ///< host memory the job needs at its peak (all ranks together)
  double rank_kv_bytes = 0;       ///< K/V the fullest rank holds during the step
};

/// Plans every case of `scenario`. Throws: InputError naming the cases this machine cannot run
/// (more ranks than cores without `oversubscribe`, more memory than is available), so that
/// nothing runs when anything would be refused; and for an unknown topology.
std::vector<LiveCase> plan_live_cases(const scenarios::Scenario& scenario, const Machine& machine, bool oversubscribe);

}  // namespace clustersim::live
