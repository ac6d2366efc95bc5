// SPDX-License-Identifier: Apache-2.0
// `clustersim simulate`: scenario -> table on stdout, results.json and results.csv in --out,
// progress on stderr.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/trace_option.hpp"
#include "pipelines/simulate_scenario.hpp"
#include "reports/report.hpp"
#include "reports/table.hpp"

namespace clustersim::cli {
namespace {

struct SimulateOptions {
  std::string scenario;
  std::string out;
  int jobs = 0;
  bool quiet = false;
  TraceOption trace;
  bool no_report = false;
};

void run_simulate(const SimulateOptions& options) {
  const scenarios::Scenario scenario =
      options.scenario.empty() ? scenarios::parse_scenario(scenarios::default_scenario_yaml(), "<embedded default>")
                               : scenarios::load_scenario(options.scenario);
  const OutputDir out = options.out.empty() ? OutputDir::checked(default_output_dir(scenario.name), "name")
                                            : OutputDir::checked(options.out, "--out");
  TraceOption trace = options.trace;
  pipelines::RunOptions run{.jobs = options.jobs, .trace_case = trace.case_to_trace(scenario.cases.size())};
  run.on_trace = [&](const results::CaseResult& c, const std::string& json) { trace.keep(c, json, "GPUs"); };
  if (!options.quiet) run.on_profile = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  run.on_warning = [](const std::string& warning) {
    std::fprintf(stderr, "clustersim: warning: %s\n", warning.c_str());
  };
  if (!options.quiet)
    run.on_case_done = [](int done, int total, const results::CaseResult& c) {
      std::fprintf(stderr, "[%d/%d] %s %d GPUs %s context %lld: %s\n", done, total, c.topology.c_str(), c.gpus,
                   c.strategy.c_str(), static_cast<long long>(c.context),
                   c.status == results::CaseStatus::ok ? fmt::format("{:.2f} us", c.latency_s * 1e6).c_str()
                                                       : results::to_string(c.status));
    };
  const results::Results results = pipelines::simulate_scenario(scenario, run);
  std::map<std::string, std::string> report_files;
  if (!options.no_report) {
    try {
      const reports::ReportFiles report = reports::make_report(results);
      report_files = {{"report.html", report.html}, {"report.md", report.markdown}};
    } catch (const std::exception& e) {
      std::fprintf(stderr, "clustersim: warning: no report (%s); the results are written\n", e.what());
    }
  }
  results::write_results(results, out, report_files);
  std::fputs(reports::format_table(results).c_str(), stdout);
  std::printf("# results: %s and %s\n", (out.path() / "results.json").c_str(), (out.path() / "results.csv").c_str());
  if (!report_files.empty()) std::printf("# report: %s\n", (out.path() / "report.html").c_str());
  trace.write("did not run (out of device memory)");
}

}  // namespace

void add_simulate_command(CLI::App& app) {
  auto options = std::make_shared<SimulateOptions>();
  CLI::App* cmd = app.add_subcommand("simulate", "Simulate every case of a scenario and write results");
  cmd->add_option("scenario", options->scenario,
                  "Scenario YAML file (see scenarios/README.md); without one, an embedded default:\n"
                  "tree vs ring on one DGX H100 node, 16 heads x 128, contexts 80k to 5.12M");
  cmd->add_option("--out", options->out, "Directory for results.json and results.csv (default: results/<scenario>)");
  cmd->add_option("-j,--jobs", options->jobs, "Cases simulated at once (default: one per core)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("-q,--quiet", options->quiet, "No progress lines on stderr");
  cmd->add_flag("--no-report", options->no_report, "Do not write report.html and report.md beside the results");
  options->trace.add_to(*cmd, "a process per GPU, tracks for compute, send, recv and collectives");
  cmd->footer(
      "Examples:\n"
      "  clustersim simulate scenarios/dgx_h100_tree_vs_ring.yaml --out results/dgx\n"
      "  clustersim simulate --trace ring.json --trace-case 1    # the default scenario's first ring case");
  cmd->callback([options] { run_simulate(*options); });
}

}  // namespace clustersim::cli
