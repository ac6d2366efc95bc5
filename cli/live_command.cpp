// SPDX-License-Identifier: Apache-2.0
// `clustersim live`: run a scenario's cases for real (one MPI rank per device) -> table on
// stdout, results.json and results.csv (mode live) in --out, progress on stderr.
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/live_run_option.hpp"
#include "cli/trace_option.hpp"
#include "common/process_runner.hpp"
#include "live/emulated_cluster.hpp"
#include "pipelines/emulated_runs.hpp"
#include "pipelines/run_live.hpp"
#include "reports/live_table.hpp"

namespace clustersim::cli {
namespace {

struct LiveCommandOptions {
  std::string scenario;
  std::string out;
  LiveRunOption run;
  TraceOption trace;
};

/// "[3/8] tree p=2 context 65536: 1.23 ms (±2 %) ok"
void print_progress(int done, int total, const results::CaseResult& c, const std::string& note) {
  const std::string outcome = c.status == results::CaseStatus::ok
                                  ? fmt::format("{:.3f} ms (±{:.0f} %) ok, max rel. error {:.1e}", c.latency_s * 1e3,
                                                reports::spread_percent(c) / 2, c.output_max_relative_error)
                                  : fmt::format("not run: {}", note);
  std::fprintf(stderr, "[%d/%d] %s p=%d context %lld: %s\n", done, total, c.strategy.c_str(), c.gpus,
               static_cast<long long>(c.context), outcome.c_str());
}

void run_live_command(const LiveCommandOptions& options) {
  const scenarios::Scenario scenario = scenarios::load_scenario(options.scenario);
  const OutputDir out = options.out.empty() ? OutputDir::checked(default_output_dir(scenario.name, "_live"), "name")
                                            : OutputDir::checked(options.out, "--out");
  TraceOption trace = options.trace;
  live::LiveOptions run = options.run.live_options();
  run.trace_case = trace.case_to_trace(scenario.cases.size());
  run.on_trace = [&](const results::CaseResult& c, const std::string& json) { trace.keep(c, json, "ranks"); };
  // Cases on this host and on emulated clusters run apart; progress counts them together.
  const int total = static_cast<int>(scenario.cases.size());
  int done = 0;
  if (!options.run.quiet)
    run.on_case_done = [&](int, int, const results::CaseResult& c, const std::string& note) {
      print_progress(++done, total, c, note);
    };
  const auto say = [&](const std::string& line) {
    if (!options.run.quiet) std::fprintf(stderr, "%s\n", line.c_str());
  };

  scenarios::Scenario here = scenario;
  std::erase_if(here.cases, live::on_emulated_cluster);
  const std::size_t emulated = scenario.cases.size() - here.cases.size();
  results::Results results = here.cases.empty() ? results::Results{} : live::run_live(here, run);
  if (emulated > 0) {
    std::string why;
    if (live::can_emulate_cluster(why))
      live::merge_cases(results, live::run_live_on_emulated_clusters(scenario, run, say));
    else std::fprintf(stderr, "clustersim: skipping the %zu cases on an emulated cluster: %s\n", emulated, why.c_str());
  }
  if (results.cases.empty())
    throw LaunchError(
        fmt::format("live: none of the {} cases of {} could run here", scenario.cases.size(), scenario.name));
  results::write_results(results, out);
  std::fputs(reports::format_live_table(results).c_str(), stdout);
  std::printf("# results: %s and %s\n", (out.path() / "results.json").c_str(), (out.path() / "results.csv").c_str());
  trace.write("did not run on the CPU backend");
}

}  // namespace

void add_live_command(CLI::App& app) {
  auto options = std::make_shared<LiveCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "live", "Run a scenario's cases for real (MPI ranks on this host or an emulated cluster) and write results");
  cmd->add_option("scenario", options->scenario, "Scenario YAML file (fp32 single, tree and ring cases run live)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", options->out,
                  "Directory for results.json and results.csv (default: results/<scenario>_live)");
  options->run.add_to(*cmd, "Timed repetitions per case; the latency is their median");
  options->trace.add_to(*cmd,
                        "the last timed step, a process per rank, tracks compute/send/recv/collective, slices\n"
                        "named as in `simulate --trace`, so measured and predicted timelines compare side by\n"
                        "side (CPU backend)");
  cmd->footer(
      "Examples:\n"
      "  clustersim live scenarios/cpu_validation.yaml --reps 10\n"
      "  clustersim live scenarios/cpu_validation.yaml --out results/cpu_live --quiet\n"
      "  clustersim live scenarios/cpu_validation.yaml --trace ring_live.json --trace-case 1\n"
      "  clustersim simulate scenarios/cpu_validation.yaml --trace ring_sim.json --trace-case 1\n"
      "  clustersim live scenarios/emulated_cluster_validation.yaml   # as root\n"
      "Cases on an emulated_cluster topology run on network namespaces joined by tc-shaped links\n"
      "that live builds (root only; it says so and skips them otherwise) and removes after.");
  cmd->callback([options] { run_live_command(*options); });
}

}  // namespace clustersim::cli
