// SPDX-License-Identifier: Apache-2.0
// Timelines as Chrome trace-event JSON, which ui.perfetto.dev and chrome://tracing open: one
// process per device, with a track per kind of work (compute, send, recv, collective), every
// slice named after the task-graph op it belongs to and carrying its bytes. Live runs write the
// same names (`clustersim live --trace`), so a simulated and a measured trace of one case can be
// opened side by side.
#pragma once

#include <string>
#include <vector>

#include "model/task_graph.hpp"
#include "sim/simulate.hpp"

namespace clustersim::reports {

/// One slice of a device's timeline: a named piece of work on one track.
struct TraceSlice {
  std::string name;  ///< the task-graph op's name
  std::string kind;  ///< the track: compute, send, recv or collective
  double start_s = 0;
  double end_s = 0;
  double bytes = 0;
  int op = -1;  ///< the task-graph op's index, when there is a graph (simulated traces)
};

/// The trace of one case from per-device slices. `devices[r]` names rank r's device; `title`
/// describes the case and `latency_s` is its step time.
std::string chrome_trace_json(const std::vector<std::vector<TraceSlice>>& slices,
                              const std::vector<std::string>& devices, const std::string& title, double latency_s);

/// The trace of one simulated case. `devices[r]` names rank r's device (e.g. `n0_gpu3`);
/// `title` describes the case. Requires: `result` was simulated with record_timeline.
std::string chrome_trace_json(const sim::SimulationResult& result, const model::TaskGraph& graph,
                              const std::vector<std::string>& devices, const std::string& title);

}  // namespace clustersim::reports
