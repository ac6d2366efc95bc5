// SPDX-License-Identifier: Apache-2.0
#include "pipelines/run_live.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "build_config.hpp"
#include "common/input_error.hpp"
#include "common/interrupt.hpp"
#include "common/mpi_launcher.hpp"
#include "common/process_runner.hpp"
#include "live/gpu_inventory.hpp"
#include "live/live_plan.hpp"
#include "live/machine.hpp"
#include "live/rank_report.hpp"
#include "reports/trace.hpp"

namespace clustersim::live {
namespace {

results::CaseResult row_of(const scenarios::Scenario& scenario, const LiveCase& p, const Machine& machine) {
  const scenarios::Case& c = *p.spec;
  return {.index = c.index,
          .scenario = scenario.name,
          .topology = c.topology.spec(),
          .gpus = p.ranks,
          .strategy = c.strategy.label(),
          .context = c.shape.context,
          .batch = c.shape.batch,
          .heads = c.shape.heads,
          .kv_heads = c.shape.kv_heads,
          .head_dim = c.shape.head_dim,
          .dtype = model::to_string(c.shape.dtype),
          // The device is what ran the case: this host's cores (one per rank) or its GPUs.
          .device = std::string(p.backend == Backend::gpu ? "gpu@" : "cpu@") + machine.host,
          .device_provenance = "live",
          .status = p.unsupported.empty() ? results::CaseStatus::ok : results::CaseStatus::unsupported,
          .peak_mem_bytes = p.rank_kv_bytes,
          .memory_capacity_bytes = machine.available_memory_bytes};
}

}  // namespace

std::filesystem::path live_cpu_program() { return program_beside_clustersim("clustersim_live_cpu"); }

std::filesystem::path live_gpu_program() { return program_beside_clustersim("clustersim_live_gpu"); }

namespace {

bool runs_on(const std::vector<LiveCase>& plan, Backend backend) {
  return std::any_of(plan.begin(), plan.end(),
                     [&](const LiveCase& p) { return p.backend == backend && p.unsupported.empty(); });
}

/// Refuses the GPU cases before anything runs when the GPU program or the GPUs are missing.
void check_gpu_backend(const scenarios::Scenario& scenario, const std::vector<LiveCase>& plan) {
  const std::filesystem::path program = live_gpu_program();
  if (!std::filesystem::exists(program))
    throw InputError({scenario.origin}, "topology",
                     fmt::format("the scenario has GPU cases but {} was not built: clustersim was built without "
                                 "CUDA and NCCL (cmake reports \"clustersim: CUDA 0\" or \"NCCL 0\"); build it on a "
                                 "machine that has them, or standalone (programs/gpu_rank/README.md)",
                                 program.string()));
  require_gpus(plan, count_gpus(program), scenario.origin);
}

/// Runs one case's job; its stdout holds the report line.
bool traced(const LiveCase& p, const LiveOptions& options) {
  return p.spec->index == options.trace_case && p.backend == Backend::cpu;
}

/// The Chrome trace of a case's last timed step, one process per rank.
std::string trace_of(const results::CaseResult& row, const RankReport& report) {
  std::vector<std::vector<reports::TraceSlice>> slices(report.ranks);
  std::vector<std::string> devices;
  for (int r = 0; r < report.ranks; ++r) devices.push_back(fmt::format("{} rank {}", row.device, r));
  for (const TimelineSlice& s : report.timeline)
    slices.at(s.rank).push_back(
        {.name = s.name, .kind = s.kind, .start_s = s.start_s, .end_s = s.end_s, .bytes = s.bytes});
  const std::string title =
      fmt::format("live: case {}: {} on {} ({} ranks), context {}, last of {} timed steps", row.index, row.strategy,
                  row.topology, row.gpus, row.context, report.rep_seconds.size());
  return reports::chrome_trace_json(slices, devices, title, report.rep_seconds.back());
}

std::string run_case(const LiveCase& p, const LiveOptions& options) {
  std::vector<std::string> args = p.args;
  args.insert(args.end(), {"--reps", std::to_string(options.repetitions), "--warmup", std::to_string(options.warmup)});
  if (traced(p, options)) args.push_back("--trace");
  if (p.backend == Backend::gpu) {
    // One process drives the case's GPUs on this host: no mpirun.
    std::vector<std::string> command{live_gpu_program().string()};
    command.insert(command.end(), args.begin(), args.end());
    return run_program({.command = command,
                        .what = fmt::format("{} on {} GPUs", command.front(), p.ranks),
                        .timeout = options.timeout_per_case})
        .stdout_text;
  }
  // -q: no help text from mpirun, so that a rank's own message ends the error.
  const MpiJob job{.program = live_cpu_program().string(),
                   .args = args,
                   .ranks = p.ranks,
                   .mpirun_options = {"-q"},
                   .timeout = options.timeout_per_case};
  return run_mpi_job(options.place ? options.place(job) : job).stdout_text;
}

void check_programs(const scenarios::Scenario& scenario, const std::vector<LiveCase>& plan) {
  if (runs_on(plan, Backend::gpu)) check_gpu_backend(scenario, plan);
  if (runs_on(plan, Backend::cpu)) {
    const std::filesystem::path program = live_cpu_program();
    if (!std::filesystem::exists(program))
      throw std::runtime_error(
          fmt::format("{} is missing: build it (cmake --build build) beside clustersim", program.string()));
    find_mpirun();  // a missing mpirun fails here, before any case
  }
}

}  // namespace

void check_live_prerequisites(const scenarios::Scenario& scenario, const LiveOptions& options) {
  check_programs(scenario, plan_live_cases(scenario, this_machine(), options.oversubscribe));
}

results::Results run_live(const scenarios::Scenario& scenario, const LiveOptions& options) {
  const Machine machine = this_machine();
  const std::vector<LiveCase> plan = plan_live_cases(scenario, machine, options.oversubscribe);
  check_programs(scenario, plan);

  results::Results results{.tool_version = CLUSTERSIM_VERSION,
                           .mode = "live",
                           .scenario = scenario.name,
                           .scenario_origin = scenario.origin};
  const int total = static_cast<int>(plan.size());
  for (const LiveCase& p : plan) {
    throw_if_interrupted();
    results::CaseResult row = row_of(scenario, p, machine);
    if (p.unsupported.empty()) {
      std::string stdout_text;
      try {
        stdout_text = run_case(p, options);
      } catch (const LaunchError& e) {
        throw LaunchError(
            fmt::format("case {} ({} p={} context {}): {}", row.index, row.strategy, p.ranks, row.context, e.what()));
      }
      const RankReport report = parse_rank_report(stdout_text);
      row.repetitions = static_cast<int>(report.rep_seconds.size());
      row.latency_s = median(report.rep_seconds);
      row.latency_s_min = *std::min_element(report.rep_seconds.begin(), report.rep_seconds.end());
      row.latency_s_max = *std::max_element(report.rep_seconds.begin(), report.rep_seconds.end());
      row.output_max_relative_error = report.max_relative_error;
      if (options.on_pieces_timed && !report.kernel_seconds.empty())
        options.on_pieces_timed(
            *p.spec, {.kernel_tokens = report.kernel_tokens,
                      .kernel_seconds = median(report.kernel_seconds),
                      .rotation_bytes = report.rotation_bytes,
                      .rotation_seconds = report.rotation_seconds.empty() ? 0 : median(report.rotation_seconds)});
      if (traced(p, options) && options.on_trace) options.on_trace(row, trace_of(row, report));
    }
    results.cases.push_back(row);
    if (options.on_case_done)
      options.on_case_done(static_cast<int>(results.cases.size()), total, results.cases.back(), p.unsupported);
  }
  return results;
}

}  // namespace clustersim::live
