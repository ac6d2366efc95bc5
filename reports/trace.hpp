// SPDX-License-Identifier: Apache-2.0
// Timelines as Chrome trace-event JSON, which ui.perfetto.dev and chrome://tracing open: one
// process per device, with a track per kind of work (compute, send, recv, collective), every
// slice named after the task-graph op it belongs to and carrying its bytes. Live runs will write
// the same names, so a simulated and a measured trace of one case can be opened side by side.
#pragma once

#include <string>
#include <vector>

#include "model/task_graph.hpp"
#include "sim/simulate.hpp"

namespace clustersim::reports {

/// The trace of one simulated case. `devices[r]` names rank r's device (e.g. `n0_gpu3`);
/// `title` describes the case. Requires: `result` was simulated with record_timeline.
std::string chrome_trace_json(const sim::SimulationResult& result, const model::TaskGraph& graph,
                              const std::vector<std::string>& devices, const std::string& title);

}  // namespace clustersim::reports
