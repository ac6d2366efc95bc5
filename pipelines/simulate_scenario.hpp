// SPDX-License-Identifier: Apache-2.0
// The simulate pipeline for a whole scenario: for every case, the topology and the device
// profile, the strategy's task graph and memory, a memory check against the device's capacity,
// the SimGrid run, and one results row. Cases run in parallel child processes; the rows come
// back in case order, so the output does not depend on the number of jobs.
#pragma once

#include <functional>
#include <string>

#include "scenarios/scenario.hpp"
#include "schemas/results.hpp"

namespace clustersim::pipelines {

struct RunOptions {
  int jobs = 0;         ///< cases simulated at once; 0 = one per core
  int trace_case = -1;  ///< index of the case whose timeline is recorded; -1 = none
  /// Called with that case's row and its Chrome trace-event JSON (see reports/trace.hpp).
  std::function<void(const results::CaseResult&, const std::string& trace_json)> on_trace;
  /// Called once per distinct device profile, before any case runs, with where its figures come
  /// from (model/measured_links.hpp describe_profile), e.g. to print it on stderr.
  std::function<void(const std::string& line)> on_profile;
  /// Called once per flagged figure a scenario uses: `profile: figure is flagged: reason`.
  std::function<void(const std::string& warning)> on_warning;
  /// Called after each case with a one-line summary (e.g. to print progress to stderr).
  std::function<void(int done, int total, const results::CaseResult&)> on_case_done;
};

/// Runs every case. Throws: InputError for an unknown topology, profile or an impossible case
/// (more GPUs than the topology has), std::runtime_error if a simulation fails.
results::Results simulate_scenario(const scenarios::Scenario& scenario, const RunOptions& options = {});

}  // namespace clustersim::pipelines
