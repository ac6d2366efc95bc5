// SPDX-License-Identifier: Apache-2.0
// Which cases of a scenario can run live, on which backend, how each is launched, and whether
// this machine can hold them. The case's topology picks the backend: cpu_rank devices run on the
// CPU backend (clustersim_live_cpu, one MPI rank per device on this host, so the ranks need
// cores); GPU devices on the GPU backend (clustersim_live_gpu, one process driving p local GPUs;
// whether they exist is checked by gpu_inventory.hpp). Either way the host holds the whole KV
// cache in fp32 once, for the reference check.
#pragma once

#include <string>
#include <vector>

#include "live/machine.hpp"
#include "scenarios/scenario.hpp"

namespace clustersim::live {

enum class Backend { cpu, gpu };

struct LiveCase {
  const scenarios::Case* spec = nullptr;
  Backend backend = Backend::cpu;
  int ranks = 1;                  ///< devices: the case's device count (1 for single)
  std::vector<std::string> args;  ///< the rank program's arguments, without reps and warm-up
  std::string unsupported;        ///< why its backend cannot run it; empty when it can
  double memory_bytes = 0;        ///< host memory the job needs at its peak (all ranks together)
  double rank_kv_bytes = 0;       ///< K/V the fullest device holds during the step
};

/// Plans every case of `scenario`. Throws: InputError naming the cases this machine cannot run
/// (CPU: more ranks than cores without `oversubscribe`; both: more host memory than is
/// available), so that nothing runs when anything would be refused; and for an unknown topology.
std::vector<LiveCase> plan_live_cases(const scenarios::Scenario& scenario, const Machine& machine, bool oversubscribe);

}  // namespace clustersim::live
