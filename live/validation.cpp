// SPDX-License-Identifier: Apache-2.0
// The simulation runs first: it is quick, and a bad profile should fail before the live runs.
#include "live/validation.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "calibrate/calibration.hpp"
#include "live/emulated_cluster.hpp"
#include "live/emulated_runs.hpp"
#include "reports/report.hpp"
#include "runner/simulate_scenario.hpp"

namespace clustersim::live {
namespace {

namespace fs = std::filesystem;

/// A directory removed with its contents when the scope ends, however it ends.
class StagingDir {
 public:
  explicit StagingDir(fs::path path) : path_(std::move(path)) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~StagingDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

/// Every file calibration wrote (the profile and its raw sweeps), by name.
std::map<std::string, std::string> files_in(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    files[entry.path().filename().string()] = text.str();
  }
  return files;
}

}  // namespace

scenarios::Scenario with_device_profile(scenarios::Scenario scenario, const fs::path& profile) {
  const std::string path = fs::absolute(profile).string();
  for (scenarios::Case& c : scenario.cases) c.device = path;
  return scenario;
}

Comparison validate(const scenarios::Scenario& scenario, const ValidationOptions& options) {
  auto say = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  const fs::path parent = options.out.has_parent_path() ? options.out.parent_path() : fs::path(".");
  // Calibration writes beside the output directory, which is replaced whole at the end.
  std::map<std::string, std::string> files;
  fs::path profile = options.profile;
  std::string profile_label = profile.string();
  std::unique_ptr<StagingDir> calibration;
  if (profile.empty()) {
    calibration = std::make_unique<StagingDir>(
        parent / fmt::format(".{}.calibration-{}", options.out.filename().string(), ::getpid()));
    say("calibrating this machine (quick): no --profile given");
    profile = calibrate::run_calibration(
                  {.out = calibration->path() / "profile.yaml", .quick = true, .progress = options.progress})
                  .profile;
    files = files_in(calibration->path());
    profile_label = (options.out / "profile.yaml").string();
  }

  // Just before each case, the decode kernel on its shard: how far the machine has moved from
  // the profile when the case runs (the live CPU backend's fp32 K and V, ceil(context / p) tokens).
  const model::DeviceProfile device = model::load_device_profile(profile.string());
  std::map<int, double> kernel_change_percent;  // by case index
  LiveOptions live = options.live;
  if (calibrate::can_recheck_decode_kernel(device))
    live.before_case = [&](const scenarios::Case& c, int ranks) {
      const double tokens = std::ceil(static_cast<double>(c.shape.context) / ranks);
      const double bytes = tokens * c.shape.batch * c.shape.kv_heads * c.shape.head_dim * 2 * sizeof(float);
      if (const auto recheck = calibrate::recheck_decode_kernel(device, bytes))
        kernel_change_percent[c.index] = recheck->change_percent();
    };

  // Cases on this host run here; cases on an emulated cluster run on one built for them.
  scenarios::Scenario here = scenario;
  std::erase_if(here.cases, on_emulated_cluster);
  const std::size_t emulated = scenario.cases.size() - here.cases.size();

  reports::Results predicted, measured;
  if (!here.cases.empty()) {
    say(fmt::format("simulating {} cases with the profile {}", here.cases.size(), profile_label));
    predicted = runner::simulate_scenario(with_device_profile(here, profile), runner::RunOptions{});
    say("running the cases live");
    measured = run_live(here, live);
  }
  if (emulated > 0) {
    std::string why;
    if (!can_emulate_cluster(why)) {
      say(fmt::format("skipping the {} cases on an emulated cluster: {}", emulated, why));
    } else {
      const StagingDir clusters(
          parent / fmt::format(".{}.clusters-{}", options.out.filename().string(), ::getpid()));
      EmulatedRuns runs = validate_on_emulated_clusters(scenario, profile, clusters.path(), live, say);
      merge_cases(predicted, runs.predicted);
      merge_cases(measured, runs.measured);
      files.merge(runs.files);
    }
  }
  if (measured.cases.empty())
    throw LaunchError(fmt::format("validate: none of the {} cases of {} could run here", scenario.cases.size(),
                                  scenario.name));
  Comparison comparison = compare(predicted, measured, profile_label);
  for (ComparedCase& c : comparison.cases)
    if (const auto it = kernel_change_percent.find(c.index); it != kernel_change_percent.end())
      c.kernel_change_percent = it->second;
  // Last, so that it sees the machine as the live runs left it.
  if (calibrate::can_recheck_decode_kernel(device)) {
    say("timing the decode kernel again, as calibration did, to see how far this machine moved meanwhile");
    comparison.kernel_recheck = calibrate::recheck_decode_kernel(device);
  }

  files["predicted_results.json"] = reports::to_json_text(predicted);
  files["predicted_results.csv"] = reports::to_csv(predicted);
  files["comparison.json"] = to_json_text(comparison);
  files["comparison.csv"] = to_csv(comparison);
  try {
    const reports::ReportFiles report = reports::make_comparison(predicted, "predicted", measured, "measured");
    files["report.html"] = report.html;
    files["report.md"] = report.markdown;
  } catch (const std::exception& e) {
    say(fmt::format("warning: no comparison report ({}); the comparison files are written", e.what()));
  }
  reports::write_results(measured, options.out, files);
  return comparison;
}

}  // namespace clustersim::live
