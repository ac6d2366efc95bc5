// SPDX-License-Identifier: Apache-2.0
// `clustersim validate`: predict a scenario with this machine's measured profile, run it live,
// and compare. Exits 0 whatever the error (it is a report); non-zero when something fails.
#include <cstdio>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/live_run_option.hpp"
#include "common/input_error.hpp"
#include "pipelines/collective_sweep.hpp"
#include "pipelines/emulated_runs.hpp"
#include "pipelines/run_live.hpp"
#include "pipelines/validation.hpp"
#include "reports/comparison_table.hpp"
#include "reports/nccl_tests_table.hpp"
#include "reports/report.hpp"

namespace clustersim::cli {
namespace {

struct ValidateOptions {
  std::string scenario;
  std::string profile;
  std::string out;
  LiveRunOption run;
  std::string nccl_tests;  ///< an nccl-tests log to compare instead of a scenario
  std::string topology;
  std::string operation;
  int gpus = 0;
};

/// validate --nccl-tests: the log's sizes simulated on --topology and compared.
void run_validate_nccl_tests(const ValidateOptions& options) {
  const results::NcclTestsLog log = results::load_nccl_tests_log(options.nccl_tests);
  pipelines::CollectiveSweepRequest request;
  request.topology = options.topology;
  request.ranks = options.gpus;
  if (!options.operation.empty()) request.test = *results::collective_test_from_string(options.operation);
  else if (log.test) request.test = *log.test;
  else
    throw InputError({options.nccl_tests}, "--operation",
                     "the log does not say which nccl-tests program printed it (older versions do not)",
                     fmt::format("give --operation: {}", fmt::join(results::collective_test_names(), ", ")));
  if (options.topology.empty())
    throw InputError({}, "--topology", "--nccl-tests needs --topology: the machine the log was measured on",
                     "a graph file or a generator spec, e.g. dgx_h100_cluster:nodes=1");
  const std::string stem = std::filesystem::path(options.nccl_tests).stem().string();
  const OutputDir out = options.out.empty()
                            ? OutputDir::checked(default_output_dir(stem, "_validation"), "--nccl-tests")
                            : OutputDir::checked(options.out, "--out");
  if (!options.run.quiet)
    request.on_size_done = [](int done, int total) { std::fprintf(stderr, "\r[%d/%d] sizes simulated", done, total); };
  const results::CollectiveComparison comparison = pipelines::compare_with_nccl_tests(log, request);
  if (!options.run.quiet) std::fputc('\n', stderr);
  std::map<std::string, std::string> files{{"comparison.json", results::to_json_text(comparison)},
                                           {"comparison.csv", results::to_csv(comparison)}};
  try {
    const reports::ReportFiles report = reports::make_collective_comparison(comparison);
    files["report.html"] = report.html;
    files["report.md"] = report.markdown;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "clustersim: warning: no report (%s); the comparison is written\n", e.what());
  }
  out.publish(files);
  std::fputs(reports::format_collective_comparison(comparison).c_str(), stdout);
  std::printf("# comparison: %s and %s\n", (out.path() / "comparison.json").c_str(),
              (out.path() / "comparison.csv").c_str());
  if (files.count("report.html")) std::printf("# report: %s\n", (out.path() / "report.html").c_str());
}

void run_validate(const ValidateOptions& options) {
  if (!options.nccl_tests.empty()) return run_validate_nccl_tests(options);
  if (options.scenario.empty())
    throw InputError({}, "scenario", "give a scenario to run live, or --nccl-tests LOG to compare a measured log");
  const scenarios::Scenario scenario = scenarios::load_scenario(options.scenario);
  const OutputDir checked_out = options.out.empty()
                                    ? OutputDir::checked(default_output_dir(scenario.name, "_validation"), "name")
                                    : OutputDir::checked(options.out, "--out");
  const std::filesystem::path& out = checked_out.path();
  // Refuse at once what this machine cannot run live (a GPU scenario here without GPUs), not
  // after a minute of calibration.
  scenarios::Scenario here = scenario;
  std::erase_if(here.cases, live::on_emulated_cluster);
  const live::LiveOptions run = options.run.live_options();
  if (!here.cases.empty()) live::check_live_prerequisites(here, run);
  live::ValidationOptions validation{.profile = options.profile, .out = out, .live = run};
  if (!options.run.quiet) {
    validation.progress = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
    validation.live.on_case_done = [](int done, int total, const results::CaseResult& c, const std::string& note) {
      std::fprintf(stderr, "[%d/%d] %s p=%d context %lld: %s\n", done, total, c.strategy.c_str(), c.gpus,
                   static_cast<long long>(c.context),
                   c.status == results::CaseStatus::ok ? fmt::format("{:.3f} ms measured", c.latency_s * 1e3).c_str()
                                                       : ("not run: " + note).c_str());
    };
  }
  const results::Comparison comparison = live::validate(scenario, validation);
  std::fputs(reports::format_comparison_table(comparison).c_str(), stdout);
  std::printf("# comparison: %s and %s\n", (out / "comparison.json").c_str(), (out / "comparison.csv").c_str());
  if (std::filesystem::exists(out / "report.html")) std::printf("# report: %s\n", (out / "report.html").c_str());
}

}  // namespace

void add_validate_command(CLI::App& app) {
  auto options = std::make_shared<ValidateOptions>();
  CLI::App* cmd = app.add_subcommand(
      "validate", "Simulate a scenario with this machine's measured profile, run it live, and compare");
  CLI::Option* scenario = cmd->add_option("scenario", options->scenario,
                                          "Scenario YAML file (its fp32 single, tree and ring cases run live)")
                              ->check(CLI::ExistingFile);
  cmd->add_option("--nccl-tests", options->nccl_tests,
                  "Instead of a scenario: an nccl-tests or rccl-tests output to predict and compare, size by size")
      ->excludes(scenario);
  cmd->add_option("--topology", options->topology,
                  "With --nccl-tests: the machine it ran on (graph file or generator)");
  cmd->add_option("--operation", options->operation,
                  "With --nccl-tests, when the log does not name its program: all_reduce, all_gather, ...")
      ->check(CLI::IsMember(results::collective_test_names()));
  cmd->add_option("-g,--gpus", options->gpus, "With --nccl-tests, when the log lists no devices: the rank count")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--profile", options->profile,
                  "Measured device profile of this machine (default: run 'calibrate --quick' first)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", options->out,
                  "Directory for the comparison, both runs' results and the report\n"
                  "(default: results/<scenario>_validation)");
  options->run.add_to(*cmd, "Timed repetitions per live case");
  cmd->footer(
      "Examples:\n"
      "  clustersim validate scenarios/cpu_validation.yaml\n"
      "  clustersim validate scenarios/cpu_validation.yaml --profile results/calibration/profile.yaml\n"
      "  clustersim validate scenarios/emulated_cluster_validation.yaml   # as root\n"
      "  clustersim validate --nccl-tests all_reduce.log --topology dgx_h100_cluster:nodes=1\n"
      "Cases on an emulated_cluster topology run on network namespaces joined by tc-shaped links\n"
      "that validate builds (root only; it says so and skips them otherwise) and removes after;\n"
      "it measures their inter-node link first and predicts with it.");
  cmd->callback([options] { run_validate(*options); });
}

}  // namespace clustersim::cli
