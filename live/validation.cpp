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
/// the case's ranks timed. The drift is the machine's memory, and in a CPU's model only the decode
/// kernel reads that figure.
std::string profile_at_kernel_rate(const std::string& profile_yaml, const calibrate::DecodeRecheck& kernel) {
  YAML::Node root = YAML::Load(profile_yaml);
  YAML::Node bandwidth = root["hbm_bandwidth_GBps"];
  const double scale = kernel.now_Bps / kernel.profile_Bps;
  bandwidth["source"] = fmt::format(
      "{}; x {:.4f}: the decode kernel alone on {:.1f} MiB per rank, timed by the case's ranks between its steps, "
      "ran at {:.2f} GB/s "
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

  // The decode kernel alone, which the ranks time between the case's steps: how far the machine
  // has moved from the profile while the case runs. Its bytes are what the simulator charges the
  // kernel on that shard (the live CPU backend's fp32 K and V).
  const model::DeviceProfile device = model::load_device_profile(profile.string());
  std::map<int, calibrate::DecodeRecheck> kernel_in_case;  // by case index
  LiveOptions live = options.live;
  if (calibrate::can_recheck_decode_kernel(device))
    live.on_kernel_timed = [&](const scenarios::Case& c, const KernelAlone& kernel) {
      model::AttentionShape fp32 = c.shape;
      fp32.dtype = fp32.partials_dtype = model::DType::fp32;
      const double bytes = fp32.attention_hbm_bytes(static_cast<double>(kernel.tokens));
      kernel_in_case.insert_or_assign(c.index, calibrate::decode_kernel_rate(device, bytes, kernel.seconds));
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
    if (const auto it = kernel_in_case.find(c.index); it != kernel_in_case.end())
      c.kernel_in_case = it->second;

  // The model's own error, less the kernel's drift: each case predicted again with the kernel at
  // the rate it had while the case ran.
  if (!kernel_in_case.empty()) {
    say(fmt::format("simulating the {} cases again, each with the decode kernel at the rate its ranks timed",
                    kernel_in_case.size()));
    const fs::path profiles = staging.path() / "retimed";
    fs::create_directories(profiles);
    scenarios::Scenario again = scenario;
    std::erase_if(again.cases, [&](const scenarios::Case& c) { return !kernel_in_case.contains(c.index); });
    for (scenarios::Case& c : again.cases) {
      const fs::path case_profile = profiles / fmt::format("case_{}.yaml", c.index);
      std::ofstream(case_profile) << profile_at_kernel_rate(profile_of_case.at(c.index),
                                                            kernel_in_case.at(c.index));
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
