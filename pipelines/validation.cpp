// SPDX-License-Identifier: Apache-2.0
// The simulation runs first: it is quick, and a bad profile should fail before the live runs.
#include "pipelines/validation.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "calibrate/calibration.hpp"
#include "common/read_file.hpp"
#include "live/emulated_cluster.hpp"
#include "model/device_profile.hpp"
#include "model/measured_links.hpp"
#include "pipelines/emulated_runs.hpp"
#include "pipelines/simulate_scenario.hpp"
#include "reports/report.hpp"
#include "topologies/topology.hpp"

namespace clustersim::live {
namespace {

namespace fs = std::filesystem;

/// Every file calibration wrote (the profile and its raw sweeps), by name.
std::map<std::string, std::string> files_in(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file())
      files[entry.path().filename().string()] = read_text_file(entry.path(), "calibration file", kTextFileLimit);
  return files;
}

/// The profile with its figures scaled to the rates the case's ranks timed: the memory
/// bandwidth to the decode kernel's (every kernel of a CPU's model streams through it, and the
/// decode kernel moves nearly all their bytes) and, for a ring, the rotated link class's
/// bandwidths to the rotation's. A scaled figure is one timing now, not calibration's
/// repetitions: it loses its spread and flag.
model::DeviceProfile profile_at_case_rates(model::DeviceProfile profile, const results::ComparedCase& c) {
  const results::RateRecheck& kernel = *c.kernel_in_case;
  profile.hbm_bandwidth = model::scaled(
      profile.hbm_bandwidth, kernel.now_Bps / kernel.profile_Bps,
      fmt::format("the decode kernel alone on {:.1f} MiB per rank, timed by the case's ranks before its steps, ran at "
                  "{:.2f} GB/s against {:.2f} GB/s",
                  kernel.bytes / (1 << 20), kernel.now_Bps / 1e9, kernel.profile_Bps / 1e9));
  const auto cls = topo::link_class_from_string(c.rotation_link_class);
  const auto link = cls ? profile.links.find(*cls) : profile.links.end();
  if (const auto& rotation = c.rotation_in_case; rotation && link != profile.links.end()) {
    const std::string why = fmt::format(
        "one rotation of {:.1f} MiB per rank alone, timed by the case's ranks before its steps, ran at {:.3f} GB/s "
        "each way against {:.3f} GB/s",
        rotation->bytes / (1 << 20), rotation->now_Bps / 1e9, rotation->profile_Bps / 1e9);
    const double factor = rotation->now_Bps / rotation->profile_Bps;
    link->second.bandwidth = model::scaled(link->second.bandwidth, factor, why);
    if (link->second.both_ways.value > 0) link->second.both_ways = model::scaled(link->second.both_ways, factor, why);
  }
  return profile;
}

/// A ring's rotation against the profile's link, when the case's topology has exactly one link
/// class that the profile measured: the class the rotation crosses, whose figures its rate can
/// stand for (the rest of such a topology never limits a flow). The profile's side is the rate
/// the simulator gives that link each way while both directions carry traffic, from the edges the
/// profile's figures were applied to as for the prediction. The rate is bytes over the time: a
/// rotation's fixed costs are microseconds against its milliseconds.
void add_rotation_rate(results::ComparedCase& c, const fs::path& profile, const scenarios::Case& spec,
                       const PiecesAlone& pieces) {
  const model::DeviceProfile device = model::load_device_profile(profile.string());
  const topo::Topology topology = model::with_measured_links(topo::topology_from_spec(spec.topology.spec()), device);
  std::map<topo::LinkClass, double> measured;  // class -> bytes/s each way, both ways at once
  for (const topo::Edge& e : topology.edges())
    if (device.links.contains(e.link_class)) measured.emplace(e.link_class, topo::exchange_Bps(e));
  if (measured.size() != 1) return;
  c.rotation_link_class = topo::to_string(measured.begin()->first);
  c.rotation_in_case = results::RateRecheck{.bytes = pieces.rotation_bytes,
                                            .profile_Bps = measured.begin()->second,
                                            .now_Bps = pieces.rotation_bytes / pieces.rotation_seconds};
}

const scenarios::Case& case_at(const scenarios::Scenario& scenario, int index) {
  return *std::find_if(scenario.cases.begin(), scenario.cases.end(),
                       [&](const scenarios::Case& c) { return c.index == index; });
}

}  // namespace

scenarios::Scenario with_device_profile(scenarios::Scenario scenario, const fs::path& profile) {
  const std::string path = fs::absolute(profile).string();
  for (scenarios::Case& c : scenario.cases) c.device = path;
  return scenario;
}

results::Comparison validate(const scenarios::Scenario& scenario, const ValidationOptions& options) {
  auto say = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  const OutputDir out = OutputDir::checked(options.out, "--out");
  // Calibration, clusters' files and retimed profiles are staged beside the output directory;
  // what the comparison keeps of them is published with it at the end.
  const fs::path parent = out.path().has_parent_path() ? out.path().parent_path() : fs::path(".");
  fs::create_directories(parent);
  const ScratchDir staging(parent, "." + out.path().filename().string() + ".validate-");
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

  // The case's pieces alone, which its ranks time before each step: how far the machine has
  // moved from the profile while the case runs.
  const model::DeviceProfile device = model::load_device_profile(profile.string());
  std::map<int, PiecesAlone> pieces_of_case;  // by case index
  LiveOptions live = options.live;
  if (calibrate::can_recheck_decode_kernel(device))
    live.on_pieces_timed = [&](const scenarios::Case& c, const PiecesAlone& pieces) {
      pieces_of_case.insert_or_assign(c.index, pieces);
    };

  // Cases on this host run here; cases on an emulated cluster run on one built for them.
  scenarios::Scenario here = scenario;
  std::erase_if(here.cases, on_emulated_cluster);
  const std::size_t emulated = scenario.cases.size() - here.cases.size();

  results::Results predicted, measured;
  std::map<int, fs::path> profile_of_case;  // the profile each case was predicted with
  if (!here.cases.empty()) {
    say(fmt::format("simulating {} cases with the profile {}", here.cases.size(), profile_label));
    predicted = pipelines::simulate_scenario(with_device_profile(here, profile), pipelines::RunOptions{});
    for (const scenarios::Case& c : here.cases) profile_of_case[c.index] = profile;
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
      for (const auto& [index, name] : runs.profile_of_case) profile_of_case[index] = clusters / name;
      files.merge(runs.files);
    }
  }
  if (measured.cases.empty())
    throw LaunchError(
        fmt::format("validate: none of the {} cases of {} could run here", scenario.cases.size(), scenario.name));
  results::Comparison comparison = compare(predicted, measured, profile_label);
  // The kernel's bytes are what the simulator charges it on that shard (the live CPU backend's
  // fp32 K and V).
  for (results::ComparedCase& c : comparison.cases) {
    const auto pieces = pieces_of_case.find(c.index);
    if (pieces == pieces_of_case.end()) continue;
    const scenarios::Case& spec = case_at(scenario, c.index);
    model::AttentionShape fp32 = spec.shape;
    fp32.dtype = fp32.partials_dtype = model::DType::fp32;
    c.kernel_in_case = calibrate::decode_kernel_rate(
        device, fp32.attention_hbm_bytes(static_cast<double>(pieces->second.kernel_tokens)),
        pieces->second.kernel_seconds);
    if (pieces->second.rotation_seconds > 0) add_rotation_rate(c, profile_of_case.at(c.index), spec, pieces->second);
  }

  // The model's own error, less the drift of its inputs: each case whose pieces were timed
  // predicted again with the kernel and the link at the rates they had while it ran.
  const fs::path profiles = staging.path() / "retimed";
  fs::create_directories(profiles);
  scenarios::Scenario again = scenario;
  again.cases.clear();
  for (const results::ComparedCase& r : comparison.cases) {
    if (!r.kernel_in_case) continue;
    const std::string name = fmt::format("profile_retimed_case_{}.yaml", r.index);
    const fs::path& predicted_with = profile_of_case.at(r.index);
    files[name] = model::to_yaml(profile_at_case_rates(model::load_device_profile(predicted_with.string()), r),
                                 fmt::format("{} at the rates case {}'s ranks timed, by clustersim validate.",
                                             predicted_with.filename().string(), r.index));
    std::ofstream(profiles / name) << files[name];
    again.cases.push_back(case_at(scenario, r.index));
    again.cases.back().device = (profiles / name).string();
  }
  if (!again.cases.empty()) {
    say(fmt::format("simulating the {} cases again, each with the rates its ranks timed", again.cases.size()));
    add_retimed_predictions(comparison, pipelines::simulate_scenario(again, pipelines::RunOptions{}));
  }
  // Last, so that it sees the machine as the live runs left it.
  if (calibrate::can_recheck_decode_kernel(device)) {
    say("timing the decode kernel again, as calibration did, to see how far this machine moved meanwhile");
    comparison.kernel_recheck = calibrate::recheck_decode_kernel(device);
  }

  files["predicted_results.json"] = results::to_json_text(predicted);
  files["predicted_results.csv"] = results::to_csv(predicted);
  files["comparison.json"] = to_json_text(comparison);
  files["comparison.csv"] = to_csv(comparison);
  try {
    const reports::ReportFiles report = reports::make_comparison(predicted, "predicted", measured, "measured");
    files["report.html"] = report.html;
    files["report.md"] = report.markdown;
  } catch (const std::exception& e) {
    say(fmt::format("warning: no comparison report ({}); the comparison files are written", e.what()));
  }
  results::write_results(measured, out, files);
  return comparison;
}

}  // namespace clustersim::live
