// SPDX-License-Identifier: Apache-2.0
// The machine a live run executes on: what it has to give the ranks (cores, memory) and its
// name for the results.
#pragma once

#include <string>

namespace clustersim::live {

struct Machine {
  std::string host;                   ///< host name
  int cores = 1;                      ///< hardware threads (as mpirun counts slots)
  double available_memory_bytes = 0;  ///< MemAvailable: what can be allocated without swapping
};

/// This machine. Throws: std::runtime_error if /proc/meminfo cannot be read.
Machine this_machine();

}  // namespace clustersim::live
