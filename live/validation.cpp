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
#include <yaml-cpp/yaml.h>

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

std::string text_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Every file calibration wrote (the profile and its raw sweeps), by name.
std::map<std::string, std::string> files_in(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file()) files[entry.path().filename().string()] = text_of(entry.path());
  return files;
}

/// The profile with its memory bandwidth scaled so that the decode kernel runs at the rate
/// `kernel` timed. The drift is the machine's memory, and in a CPU's model only the decode
/// kernel reads that figure.
std::string profile_at_kernel_rate(const std::string& profile_yaml, const calibrate::DecodeRecheck& kernel) {
  YAML::Node root = YAML::Load(profile_yaml);
  YAML::Node bandwidth = root["hbm_bandwidth_GBps"];
  const double scale = kernel.now_Bps / kernel.profile_Bps;
  bandwidth["source"] = fmt::format(
      "{}; x {:.4f}: the decode kernel on {:.1f} MiB per rank, timed just before the case, ran at {:.2f} GB/s "
      "against {:.2f} GB/s",
      bandwidth["source"].as<std::string>(), scale, kernel.bytes / (1 << 20), kernel.now_Bps / 1e9,
      kernel.profile_Bps / 1e9);
  bandwidth["value"] = bandwidth["value"].as<double>() * scale;
  bandwidth.remove("spread");
  bandwidth.remove("flagged");
  YAML::Emitter out;
  out << root;
  return std::string(out.c_str()) + "\n";
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
  // Everything staged lands beside the output directory, which is replaced whole at the end.
  const StagingDir staging(parent / fmt::format(".{}.validate-{}", options.out.filename().string(), ::getpid()));
  std::map<std::string, std::string> files;
  fs::path profile = options.profile;
  std::string profile_label = profile.string();
  if (profile.empty()) {
    const fs::path calibration = staging.path() / "calibration";
    fs::create_directories(calibration);
    say("calibrating this machine (quick): no --profile given");
    profile =
        calibrate::run_calibration({.out = calibration / "profile.yaml", .quick = true, .progress = options.progress})
            .profile;
    files = files_in(calibration);
    profile_label = (options.out / "profile.yaml").string();
  }

  // Just before each case, the decode kernel on its shard: how far the machine has moved from
  // the profile when the case runs (the live CPU backend's fp32 K and V, ceil(context / p) tokens).
  const model::DeviceProfile device = model::load_device_profile(profile.string());
  std::map<int, calibrate::DecodeRecheck> kernel_before_case;  // by case index
  LiveOptions live = options.live;
  if (calibrate::can_recheck_decode_kernel(device))
    live.before_case = [&](const scenarios::Case& c, int ranks) {
      const double tokens = std::ceil(static_cast<double>(c.shape.context) / ranks);
      const double bytes = tokens * c.shape.batch * c.shape.kv_heads * c.shape.head_dim * 2 * sizeof(float);
      if (const auto recheck = calibrate::recheck_decode_kernel(device, bytes))
        kernel_before_case.insert_or_assign(c.index, *recheck);
    };

  // Cases on this host run here; cases on an emulated cluster run on one built for them.
  scenarios::Scenario here = scenario;
  std::erase_if(here.cases, on_emulated_cluster);
  const std::size_t emulated = scenario.cases.size() - here.cases.size();

  reports::Results predicted, measured;
  std::map<int, std::string> profile_of_case;  // the text of the profile each case was predicted with
  if (!here.cases.empty()) {
    say(fmt::format("simulating {} cases with the profile {}", here.cases.size(), profile_label));
    predicted = runner::simulate_scenario(with_device_profile(here, profile), runner::RunOptions{});
    const std::string profile_text = text_of(profile);
    for (const scenarios::Case& c : here.cases) profile_of_case[c.index] = profile_text;
    say("running the cases live");
    measured = run_live(here, live);
  }
  if (emulated > 0) {
    std::string why;
    if (!can_emulate_cluster(why)) {
      say(fmt::format("skipping the {} cases on an emulated cluster: {}", emulated, why));
    } else {
      const fs::path clusters = staging.path() / "clusters";
      fs::create_directories(clusters);
      EmulatedRuns runs = validate_on_emulated_clusters(scenario, profile, clusters, live, say);
      merge_cases(predicted, runs.predicted);
      merge_cases(measured, runs.measured);
      for (const auto& [index, name] : runs.profile_of_case) profile_of_case[index] = runs.files.at(name);
      files.merge(runs.files);
    }
  }
  if (measured.cases.empty())
    throw LaunchError(fmt::format("validate: none of the {} cases of {} could run here", scenario.cases.size(),
                                  scenario.name));
  Comparison comparison = compare(predicted, measured, profile_label);
  for (ComparedCase& c : comparison.cases)
    if (const auto it = kernel_before_case.find(c.index); it != kernel_before_case.end())
      c.kernel_before_case = it->second;

  // The model's own error, less the kernel's drift: each case predicted again with the kernel at
  // the rate it had just before the case.
  if (!kernel_before_case.empty()) {
    say(fmt::format("simulating the {} cases again, each with the decode kernel at the rate timed just before it",
                    kernel_before_case.size()));
    const fs::path profiles = staging.path() / "retimed";
    fs::create_directories(profiles);
    scenarios::Scenario again = scenario;
    std::erase_if(again.cases, [&](const scenarios::Case& c) { return !kernel_before_case.contains(c.index); });
    for (scenarios::Case& c : again.cases) {
      const fs::path case_profile = profiles / fmt::format("case_{}.yaml", c.index);
      std::ofstream(case_profile) << profile_at_kernel_rate(profile_of_case.at(c.index),
                                                            kernel_before_case.at(c.index));
      c.device = case_profile.string();
    }
    add_retimed_predictions(comparison, runner::simulate_scenario(again, runner::RunOptions{}));
  }
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
