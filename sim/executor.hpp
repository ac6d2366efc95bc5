// SPDX-License-Identifier: Apache-2.0
// Runs a TaskGraph under a SimGrid engine created in the calling process. Internal to sim/:
// simulate() calls it in a child process because SimGrid allows one engine per process.
#pragma once

#include "sim/simulate.hpp"

namespace clustersim::sim {

/// Requires: no SimGrid engine exists yet in this process (and none can be made after).
SimulationResult execute_in_this_process(const model::TaskGraph& graph, const SimulationInput& input);

}  // namespace clustersim::sim
