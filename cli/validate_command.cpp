// SPDX-License-Identifier: Apache-2.0
// `clustersim validate`: predict a scenario with this machine's measured profile, run it live,
// and compare. Exits 0 whatever the error (it is a report); non-zero when something fails.
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "pipelines/emulated_runs.hpp"
#include "pipelines/run_live.hpp"
#include "pipelines/validation.hpp"
#include "reports/comparison_table.hpp"

namespace clustersim::cli {
namespace {

struct ValidateOptions {
  std::string scenario;
  std::string profile;
  std::string out;
  int reps = live::LiveOptions{}.repetitions;
  int warmup = live::LiveOptions{}.warmup;
  bool quiet = false;
  bool oversubscribe = false;
};

void run_validate(const ValidateOptions& options) {
  const scenarios::Scenario scenario = scenarios::load_scenario(options.scenario);
  const OutputDir checked_out = options.out.empty()
                                    ? OutputDir::checked(default_output_dir(scenario.name, "_validation"), "name")
                                    : OutputDir::checked(options.out, "--out");
  const std::filesystem::path& out = checked_out.path();
  // Refuse at once what this machine cannot run live (a GPU scenario here without GPUs), not
  // after a minute of calibration.
  scenarios::Scenario here = scenario;
  std::erase_if(here.cases, live::on_emulated_cluster);
  if (!here.cases.empty()) live::check_live_prerequisites(here, {.oversubscribe = options.oversubscribe});
  live::ValidationOptions validation{
      .profile = options.profile,
      .out = out,
      .live = {.repetitions = options.reps, .warmup = options.warmup, .oversubscribe = options.oversubscribe}};
  if (!options.quiet) {
    validation.progress = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
    validation.live.on_case_done = [](int done, int total, const results::CaseResult& c, const std::string& note) {
      std::fprintf(stderr, "[%d/%d] %s p=%d context %lld: %s\n", done, total, c.strategy.c_str(), c.gpus,
                   static_cast<long long>(c.context),
                   c.status == results::CaseStatus::ok ? fmt::format("{:.3f} ms measured", c.latency_s * 1e3).c_str()
                                                       : ("not run: " + note).c_str());
    };
  }
  if (options.oversubscribe)
    std::fputs("clustersim: warning: --oversubscribe: ranks may share cores, so the measured times suffer\n", stderr);
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
  cmd->add_option("scenario", options->scenario, "Scenario YAML file (its fp32 single, tree and ring cases run live)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--profile", options->profile,
                  "Measured device profile of this machine (default: run 'calibrate --quick' first)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", options->out,
                  "Directory for the comparison, both runs' results and the report\n"
                  "(default: results/<scenario>_validation)");
  cmd->add_option("--reps", options->reps, "Timed repetitions per live case")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--warmup", options->warmup, "Untimed repetitions before them")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("-q,--quiet", options->quiet, "No progress lines on stderr");
  cmd->add_flag("--oversubscribe", options->oversubscribe, "Allow more ranks than cores (timings suffer)");
  cmd->footer(
      "Examples:\n"
      "  clustersim validate scenarios/cpu_validation.yaml\n"
      "  clustersim validate scenarios/cpu_validation.yaml --profile results/calibration/profile.yaml\n"
      "  clustersim validate scenarios/emulated_cluster_validation.yaml   # as root\n"
      "Cases on an emulated_cluster topology run on network namespaces joined by tc-shaped links\n"
      "that validate builds (root only; it says so and skips them otherwise) and removes after;\n"
      "it measures their inter-node link first and predicts with it.");
  cmd->callback([options] { run_validate(*options); });
}

}  // namespace clustersim::cli
