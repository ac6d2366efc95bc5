// SPDX-License-Identifier: Apache-2.0
// `clustersim report`: the report of one results.json, or two side by side.
#include <cstdio>
#include <filesystem>

#include "cli/commands.hpp"
#include "common/input_error.hpp"
#include "common/output_dir.hpp"
#include "common/read_file.hpp"
#include "common/text.hpp"
#include "reports/report.hpp"

namespace clustersim::cli {
namespace {

struct ReportOptions {
  std::vector<std::string> results;
  std::string out;
};

results::Results read_results(const std::string& path) {
  const std::string text = read_text_file(path, "results file", kTextFileLimit);
  try {
    return results::results_from_json_text(text);
  } catch (const std::exception& e) {
    throw InputError({path}, path, std::string("not a clustersim results file: ") + e.what());
  }
}

/// A run's label: the name of the folder that holds its results.json, control characters spelt \xNN.
std::string label_of(const std::string& path) {
  const std::filesystem::path p = std::filesystem::absolute(path);
  return printable(p.parent_path().filename().string());
}

void run_report(const ReportOptions& options) {
  if (options.results.size() > 2) throw InputError({}, "results", "give one results.json, or two to compare");
  std::vector<results::Results> runs;
  for (const auto& path : options.results) runs.push_back(read_results(path));
  const bool comparison = runs.size() == 2;
  const OutputDir out = OutputDir::checked(
      !options.out.empty() ? std::filesystem::path(options.out)
      : comparison         ? std::filesystem::path(label_of(options.results[0]) + "_vs_" + label_of(options.results[1]))
                           : std::filesystem::absolute(options.results[0]).parent_path(),
      "--out");
  const reports::ReportFiles files = comparison ? reports::make_comparison(runs[0], label_of(options.results[0]),
                                                                           runs[1], label_of(options.results[1]))
                                                : reports::make_report(runs[0]);
  // Beside the results they report on: the run's other files stay.
  out.publish({{"report.html", files.html},
               {"report.md", files.markdown},
               {comparison ? "comparison.csv" : "results.csv", files.csv}},
              Publish::add_files);
  std::printf("# report: %s\n", (out.path() / "report.html").c_str());
}

}  // namespace

void add_report_command(CLI::App& app) {
  auto options = std::make_shared<ReportOptions>();
  CLI::App* cmd = app.add_subcommand("report", "Write an HTML report (and Markdown summary) of results");
  cmd->add_option("results", options->results,
                  "One results.json for its report, or two to compare (two fabrics, two profiles,\n"
                  "predicted against measured): B against A, joined on GPUs, strategy and workload")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", options->out,
                  "Directory for report.html, report.md and the CSV (default: beside the results, or\n"
                  "<A>_vs_<B> for a comparison)");
  cmd->footer(
      "Examples:\n"
      "  clustersim report results/dgx/results.json\n"
      "  clustersim report results/dgx/results.json results/mi300x/results.json --out cmp");
  cmd->callback([options] { run_report(*options); });
}

}  // namespace clustersim::cli
