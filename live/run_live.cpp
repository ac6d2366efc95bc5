// SPDX-License-Identifier: Apache-2.0
#include "live/run_live.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "build_config.hpp"
#include "common/mpi_launcher.hpp"
#include "live/live_plan.hpp"
#include "live/machine.hpp"
#include "live/rank_report.hpp"

namespace clustersim::live {
namespace {

reports::CaseResult row_of(const scenarios::Scenario& scenario, const LiveCase& p, const Machine& machine) {
  const scenarios::Case& c = *p.spec;
  return {.index = c.index, .scenario = scenario.name, .topology = c.topology.spec(), .gpus = p.ranks,
          .strategy = c.strategy.label(), .context = c.shape.context, .batch = c.shape.batch, .heads = c.shape.heads,
          .kv_heads = c.shape.kv_heads, .head_dim = c.shape.head_dim, .dtype = model::to_string(c.shape.dtype),
          // The device is what ran the case: this host's cores, one per rank.
          .device = "cpu@" + machine.host, .device_provenance = "live",
          .status = p.unsupported.empty() ? "ok" : "unsupported", .peak_mem_bytes = p.rank_kv_bytes,
          .memory_capacity_bytes = machine.available_memory_bytes};
}

}  // namespace

std::filesystem::path live_cpu_program() {
  return program_beside_clustersim("clustersim_live_cpu");
}

reports::Results run_live(const scenarios::Scenario& scenario, const LiveOptions& options) {
  const Machine machine = this_machine();
  const std::vector<LiveCase> plan = plan_live_cases(scenario, machine, options.oversubscribe);
  const std::filesystem::path program = live_cpu_program();
  if (!std::filesystem::exists(program))
    throw std::runtime_error(fmt::format("{} is missing: build it (cmake --build build) beside clustersim",
                                         program.string()));
  find_mpirun();  // a missing mpirun fails here, before any case

  reports::Results results{.tool_version = CLUSTERSIM_VERSION, .mode = "live", .scenario = scenario.name,
                           .scenario_origin = scenario.origin};
  const int total = static_cast<int>(plan.size());
  for (const LiveCase& p : plan) {
    reports::CaseResult row = row_of(scenario, p, machine);
    if (p.unsupported.empty()) {
      std::vector<std::string> args = p.args;
      args.insert(args.end(), {"--reps", std::to_string(options.repetitions), "--warmup", std::to_string(options.warmup)});
      MpiJobOutput out;
      try {
        // -q: no help text from mpirun, so that a rank's own message ends the error.
        const MpiJob job{.program = program.string(), .args = args, .ranks = p.ranks, .mpirun_options = {"-q"},
                         .timeout = options.timeout_per_case};
        out = run_mpi_job(options.place ? options.place(job) : job);
      } catch (const LaunchError& e) {
        throw LaunchError(fmt::format("case {} ({} p={} context {}): {}", row.index, row.strategy, p.ranks,
                                      row.context, e.what()));
      }
      const RankReport report = parse_rank_report(out.stdout_text);
      row.repetitions = static_cast<int>(report.rep_seconds.size());
      row.latency_s = median(report.rep_seconds);
      row.latency_s_min = *std::min_element(report.rep_seconds.begin(), report.rep_seconds.end());
      row.latency_s_max = *std::max_element(report.rep_seconds.begin(), report.rep_seconds.end());
      row.output_max_relative_error = report.max_relative_error;
    }
    results.cases.push_back(row);
    if (options.on_case_done)
      options.on_case_done(static_cast<int>(results.cases.size()), total, results.cases.back(), p.unsupported);
  }
  return results;
}

}  // namespace clustersim::live
