// SPDX-License-Identifier: Apache-2.0
// `clustersim live`: run a scenario's cases for real (one MPI rank per device) -> table on
// stdout, results.json and results.csv (mode live) in --out, progress on stderr.
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "common/atomic_file.hpp"
#include "common/input_error.hpp"
#include "live/live_table.hpp"
#include "live/run_live.hpp"

namespace clustersim::cli {
namespace {

struct LiveCommandOptions {
  std::string scenario;
  std::string out;
  int reps = 5;
  int warmup = 1;
  bool quiet = false;
  bool oversubscribe = false;
  std::string trace;
  int trace_case = 0;
};

/// "[3/8] tree p=2 context 65536: 1.23 ms (±2 %) ok"
void print_progress(int done, int total, const reports::CaseResult& c, const std::string& note) {
  const std::string outcome =
      c.status == "ok" ? fmt::format("{:.3f} ms (±{:.0f} %) ok, max rel. error {:.1e}", c.latency_s * 1e3,
                                     live::spread_percent(c) / 2, c.output_max_relative_error)
                       : fmt::format("not run: {}", note);
  std::fprintf(stderr, "[%d/%d] %s p=%d context %lld: %s\n", done, total, c.strategy.c_str(), c.gpus,
               static_cast<long long>(c.context), outcome.c_str());
}

void run_live_command(const LiveCommandOptions& options) {
  const scenarios::Scenario scenario = scenarios::load_scenario(options.scenario);
  if (!options.trace.empty() && options.trace_case >= static_cast<int>(scenario.cases.size()))
    throw InputError({}, "--trace-case",
                     fmt::format("--trace-case {} is out of range: the scenario has {} cases (0 to {})",
                                 options.trace_case, scenario.cases.size(), scenario.cases.size() - 1));
  live::LiveOptions run{.repetitions = options.reps, .warmup = options.warmup, .oversubscribe = options.oversubscribe,
                        .trace_case = options.trace.empty() ? -1 : options.trace_case};
  std::string trace, traced_case;
  run.on_trace = [&](const reports::CaseResult& c, const std::string& json) {
    trace = json;
    traced_case = fmt::format("case {}: {} on {} ({} ranks), context {}", c.index, c.strategy, c.topology, c.gpus,
                              c.context);
  };
  if (!options.quiet) run.on_case_done = print_progress;
  if (options.oversubscribe)
    std::fputs("clustersim: warning: --oversubscribe: ranks may share cores, so the measured times suffer\n", stderr);
  const reports::Results results = live::run_live(scenario, run);
  const std::filesystem::path out =
      options.out.empty() ? std::filesystem::path("results") / (scenario.name + "_live") : std::filesystem::path(options.out);
  reports::write_results(results, out);
  std::fputs(live::format_live_table(results).c_str(), stdout);
  std::printf("# results: %s and %s\n", (out / "results.json").c_str(), (out / "results.csv").c_str());
  if (!options.trace.empty()) {
    if (trace.empty()) {
      std::printf("# trace: case %d did not run on the CPU backend: no trace written\n", options.trace_case);
    } else {
      write_file_atomically(options.trace, trace);
      std::printf("# trace of %s: %s (open it in ui.perfetto.dev)\n", traced_case.c_str(), options.trace.c_str());
    }
  }
}

}  // namespace

void add_live_command(CLI::App& app) {
  auto options = std::make_shared<LiveCommandOptions>();
  CLI::App* cmd = app.add_subcommand("live", "Run a scenario's cases for real (MPI ranks on this host) and write results");
  cmd->add_option("scenario", options->scenario, "Scenario YAML file (fp32 single, tree and ring cases run live)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", options->out, "Directory for results.json and results.csv (default: results/<scenario>_live)");
  cmd->add_option("--reps", options->reps, "Timed repetitions per case; the latency is their median (default 5)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--warmup", options->warmup, "Untimed repetitions before them (default 1)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("-q,--quiet", options->quiet, "No progress lines on stderr");
  cmd->add_flag("--oversubscribe", options->oversubscribe,
                "Run cases that need more ranks than this machine has cores (timings suffer)");
  cmd->add_option("--trace", options->trace,
                  "Write one case's last timed step as Chrome trace-event JSON (opens in ui.perfetto.dev):\n"
                  "a process per rank, tracks compute/send/recv/collective, slices named as in\n"
                  "`simulate --trace`, so the measured and predicted timelines compare side by side (CPU backend)");
  cmd->add_option("--trace-case", options->trace_case, "Index of the case to trace (default 0; see results.csv order)")
      ->check(CLI::NonNegativeNumber);
  cmd->footer("Examples:\n"
              "  clustersim live scenarios/cpu_validation.yaml --reps 10\n"
              "  clustersim live scenarios/cpu_validation.yaml --out results/cpu_live --quiet\n"
              "  clustersim live scenarios/cpu_validation.yaml --trace ring_live.json --trace-case 1\n"
              "  clustersim simulate scenarios/cpu_validation.yaml --trace ring_sim.json --trace-case 1");
  cmd->callback([options] { run_live_command(*options); });
}

}  // namespace clustersim::cli
