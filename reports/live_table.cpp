// SPDX-License-Identifier: Apache-2.0
#include "reports/live_table.hpp"

#include <fmt/format.h>

namespace clustersim::reports {

double spread_percent(const results::CaseResult& row) {
  return row.latency_s > 0 ? 100 * (row.latency_s_max - row.latency_s_min) / row.latency_s : 0;
}

std::string format_live_table(const results::Results& results) {
  std::string out = fmt::format("# clustersim {} live\n# scenario: {} ({}), {} cases\n", results.tool_version,
                                results.scenario, results.scenario_origin, results.cases.size());
  if (!results.cases.empty())
    out += fmt::format("# device: {} (one MPI rank per device, CPU decode kernel, MPI collectives)\n",
                       results.cases.front().device);
  out += fmt::format("#{:>27} {:>5} {:>16} {:>10} {:>11} {:>11} {:>11} {:>7} {:>5} {:>10} {:>11}\n", "topology", "gpus",
                     "strategy", "context", "median", "min", "max", "spread", "reps", "check", "status");
  out += fmt::format("#{:>27} {:>5} {:>16} {:>10} {:>11} {:>11} {:>11} {:>7} {:>5} {:>10} {:>11}\n", "", "", "",
                     "(tokens)", "(ms)", "(ms)", "(ms)", "(%)", "", "(max rel)", "");
  int ran = 0;
  for (const results::CaseResult& c : results.cases) {
    ran += c.status == results::CaseStatus::ok;
    out += fmt::format(" {:>27} {:>5} {:>16} {:>10} {:>11.3f} {:>11.3f} {:>11.3f} {:>7.1f} {:>5} {:>10.2e} {:>11}\n",
                       c.topology, c.gpus, c.strategy, c.context, c.latency_s * 1e3, c.latency_s_min * 1e3,
                       c.latency_s_max * 1e3, spread_percent(c), c.repetitions, c.output_max_relative_error,
                       results::to_string(c.status));
  }
  out += fmt::format("# {} cases, {} run live, {} unsupported by the CPU backend (not run)\n", results.cases.size(),
                     ran, results.cases.size() - ran);
  return out;
}

}  // namespace clustersim::reports
