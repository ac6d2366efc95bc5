// SPDX-License-Identifier: Apache-2.0
// Device profiles: the roofline kernel-time model and the YAML reader for model/devices/*.yaml.
// Keys carry their unit (dense_TFLOPS, hbm_bandwidth_GBps, memory_GB, launch_overhead_us) and
// are converted to SI here, the only place that knows them; GB = 1e9 B, TFLOPS = 1e12 FLOP/s.
// Every figure is {value, source}, optionally with `spread` and `flagged`: a number without a
// provenance is rejected. Measured profiles may add efficiency curves and per-class link
// figures; the curves are interpolated in log(size) because kernel efficiency climbs over
// decades of size (launch- and latency-bound small kernels, bandwidth-bound large ones).
#include "model/device_profile.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "common/data_path.hpp"
#include "common/input_error.hpp"
#include "common/read_file.hpp"
#include "common/yaml_reader.hpp"

namespace clustersim::model {
namespace {

constexpr double kTera = 1e12;
constexpr double kGiga = 1e9;
constexpr double kMicro = 1e-6;

enum class Range { positive, fraction };

Figure read_figure(const yaml::Item& item, double scale, Range range) {
  if (!item.node.IsMap())
    yaml::fail(item,
               fmt::format("expected a figure {{value: ..., source: ...}}, got {}{}", yaml::describe(item.node),
                           yaml::in_path(item.path)),
               "every figure in a device profile says where it comes from: a datasheet, a measurement, "
               "or an assumption with its reasoning");
  yaml::check_keys(item, {"value", "source", "spread", "flagged"});
  const yaml::Item value_item = yaml::require(item, "value");
  const double value = yaml::as_positive_number(value_item);
  if (range == Range::fraction && value > 1)
    yaml::fail(value_item, fmt::format("expected a fraction in (0, 1], got {}{}", yaml::describe(value_item.node),
                                       yaml::in_path(value_item.path)));
  const auto source = yaml::find(item, "source");
  if (!source)
    yaml::fail(item, fmt::format("figure '{}' has no source", item.path),
               "add `source:` naming the datasheet, the measurement, or the assumption and its reasoning");
  Figure figure{value * scale, yaml::as_string(*source)};
  if (const auto spread = yaml::find(item, "spread")) {
    figure.spread = yaml::as_number(*spread);
    if (*figure.spread < 0)
      yaml::fail(*spread, fmt::format("expected a spread >= 0 (relative, (max-min)/median), got {}{}",
                                      yaml::describe(spread->node), yaml::in_path(spread->path)));
  }
  if (const auto flagged = yaml::find(item, "flagged")) figure.flagged = yaml::as_string(*flagged);
  return figure;
}

EfficiencyCurve read_curve(const yaml::Item& item) {
  yaml::check_keys(item, {"source", "points"});
  EfficiencyCurve curve;
  curve.source = yaml::as_string(yaml::require(item, "source"));
  const yaml::Item points = yaml::require(item, "points");
  if (!points.node.IsSequence())
    yaml::fail(points, fmt::format("expected a list of [size, efficiency] points, got {}{}",
                                   yaml::describe(points.node), yaml::in_path(points.path)));
  for (const yaml::Item& point : yaml::sweep_values(points)) {
    if (!point.node.IsSequence() || point.node.size() != 2)
      yaml::fail(point, fmt::format("expected a point [size, efficiency], got {}{}", yaml::describe(point.node),
                                    yaml::in_path(point.path)));
    const std::vector<yaml::Item> pair = yaml::sweep_values(point);
    const double size = yaml::as_positive_number(pair[0]);
    const double efficiency = yaml::as_positive_number(pair[1]);
    if (efficiency > 1)
      yaml::fail(pair[1], fmt::format("expected an efficiency in (0, 1], got {}{}", yaml::describe(pair[1].node),
                                      yaml::in_path(pair[1].path)));
    if (!curve.points.empty() && size <= curve.points.back().first)
      yaml::fail(pair[0], fmt::format("point sizes must increase: {} follows {}{}", size, curve.points.back().first,
                                      yaml::in_path(pair[0].path)),
                 "list the points from the smallest kernel to the largest, each size once");
    curve.points.emplace_back(size, efficiency);
  }
  return curve;
}

std::vector<std::string> link_class_names() {
  std::vector<std::string> names;
  for (auto cls : {topo::LinkClass::nvlink, topo::LinkClass::xgmi, topo::LinkClass::pcie, topo::LinkClass::infiniband,
                   topo::LinkClass::roce, topo::LinkClass::shared_memory, topo::LinkClass::ethernet})
    names.emplace_back(topo::to_string(cls));
  return names;
}

LinkFigures read_link(const yaml::Item& item) {
  yaml::check_keys(item, {"latency_us", "bandwidth_GBps", "both_ways_GBps", "both_ways_latency_us", "r_squared"});
  LinkFigures link;
  link.latency = read_figure(yaml::require(item, "latency_us"), kMicro, Range::positive);
  link.bandwidth = read_figure(yaml::require(item, "bandwidth_GBps"), kGiga, Range::positive);
  if (const auto both_ways = yaml::find(item, "both_ways_GBps"))
    link.both_ways = read_figure(*both_ways, kGiga, Range::positive);
  if (const auto both_ways_latency = yaml::find(item, "both_ways_latency_us"))
    link.both_ways_latency = read_figure(*both_ways_latency, kMicro, Range::positive);
  if (const auto r2 = yaml::find(item, "r_squared")) {
    link.r_squared = yaml::as_number(*r2);
    if (link.r_squared > 1)
      yaml::fail(*r2, fmt::format("expected r_squared <= 1, got {}{}", yaml::describe(r2->node),
                                  yaml::in_path(r2->path)));
  }
  return link;
}

std::vector<std::string> shipped_profiles() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(data_root() / "model" / "devices", ec))
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

DeviceProfile read_profile(const yaml::Item& root) {
  yaml::check_keys(root, {"device", "description", "provenance", "measured", "dense_TFLOPS", "hbm_bandwidth_GBps",
                          "memory_GB", "launch_overhead_us", "compute_efficiency", "memory_efficiency",
                          "memory_efficiency_curve", "compute_efficiency_curve", "links"});
  DeviceProfile p;
  p.origin = root.mark.file;
  p.name = yaml::as_string(yaml::require(root, "device"));
  if (auto description = yaml::find(root, "description")) p.description = yaml::as_string(*description);

  const yaml::Item provenance = yaml::require(root, "provenance");
  p.provenance = yaml::as_string(provenance);
  if (p.provenance != "datasheet" && p.provenance != "measured")
    yaml::fail(provenance, fmt::format("unknown provenance '{}'", p.provenance),
               suggestion_note(p.provenance, {"datasheet", "measured"}, "valid values"));
  if (auto measured = yaml::find(root, "measured")) {
    if (p.provenance != "measured")
      yaml::fail(*measured, "a 'measured' block needs 'provenance: measured'",
                 "a datasheet profile has no measurement to describe; remove the block or change provenance");
    yaml::check_keys(*measured, {"host", "date", "method", "cpu", "gpu", "libraries", "ranks", "skipped"});
    for (const yaml::Entry& entry : yaml::entries(*measured)) p.measured[entry.key] = yaml::as_string(entry.value);
  }

  const yaml::Item flops = yaml::require(root, "dense_TFLOPS");
  yaml::check_keys(flops, dtype_names());
  for (const yaml::Entry& entry : yaml::entries(flops))
    p.dense_flops[*dtype_from_string(entry.key)] = read_figure(entry.value, kTera, Range::positive);
  if (p.dense_flops.empty())
    yaml::fail(flops, "expected at least one dtype in 'dense_TFLOPS', got none",
               fmt::format("valid dtypes: {}", fmt::join(dtype_names(), ", ")));

  p.hbm_bandwidth = read_figure(yaml::require(root, "hbm_bandwidth_GBps"), kGiga, Range::positive);
  p.memory_capacity = read_figure(yaml::require(root, "memory_GB"), kGiga, Range::positive);
  p.launch_overhead = read_figure(yaml::require(root, "launch_overhead_us"), kMicro, Range::positive);
  p.compute_efficiency = read_figure(yaml::require(root, "compute_efficiency"), 1, Range::fraction);
  p.memory_efficiency = read_figure(yaml::require(root, "memory_efficiency"), 1, Range::fraction);
  if (auto curve = yaml::find(root, "memory_efficiency_curve")) p.memory_efficiency_curve = read_curve(*curve);
  if (auto curve = yaml::find(root, "compute_efficiency_curve")) p.compute_efficiency_curve = read_curve(*curve);
  if (auto links = yaml::find(root, "links")) {
    yaml::check_keys(*links, link_class_names());
    for (const yaml::Entry& entry : yaml::entries(*links))
      p.links[*topo::link_class_from_string(entry.key)] = read_link(entry.value);
  }
  return p;
}

}  // namespace

double DeviceProfile::flops(DType dtype) const {
  const auto it = dense_flops.find(dtype);
  if (it != dense_flops.end()) return it->second.value;
  std::vector<std::string> given;
  for (const auto& [d, figure] : dense_flops) given.emplace_back(to_string(d));
  throw InputError({origin, 0, 0}, fmt::format("dense_TFLOPS.{}", to_string(dtype)),
                   fmt::format("device profile '{}' has no dense_TFLOPS figure for {}", name, to_string(dtype)),
                   fmt::format("dtypes it gives: {}", fmt::join(given, ", ")));
}

double EfficiencyCurve::at(double size) const {
  if (size <= points.front().first) return points.front().second;
  if (size >= points.back().first) return points.back().second;
  const auto upper = std::upper_bound(points.begin(), points.end(), size,
                                      [](double s, const auto& point) { return s < point.first; });
  const auto lower = upper - 1;
  const double t = std::log(size / lower->first) / std::log(upper->first / lower->first);
  return lower->second + t * (upper->second - lower->second);
}

std::vector<std::pair<std::string, std::string>> DeviceProfile::flagged_figures() const {
  std::vector<std::pair<std::string, std::string>> out;
  auto note = [&](const std::string& key, const Figure& f) {
    if (!f.flagged.empty()) out.emplace_back(key, f.flagged);
  };
  for (const auto& [dtype, figure] : dense_flops) note(fmt::format("dense_TFLOPS.{}", to_string(dtype)), figure);
  note("hbm_bandwidth_GBps", hbm_bandwidth);
  note("memory_GB", memory_capacity);
  note("launch_overhead_us", launch_overhead);
  note("compute_efficiency", compute_efficiency);
  note("memory_efficiency", memory_efficiency);
  for (const auto& [cls, link] : links) {
    note(fmt::format("links.{}.latency_us", topo::to_string(cls)), link.latency);
    note(fmt::format("links.{}.bandwidth_GBps", topo::to_string(cls)), link.bandwidth);
    note(fmt::format("links.{}.both_ways_GBps", topo::to_string(cls)), link.both_ways);
    note(fmt::format("links.{}.both_ways_latency_us", topo::to_string(cls)), link.both_ways_latency);
  }
  return out;
}

double DeviceProfile::kernel_time(double flop_count, double hbm_bytes, DType dtype, int launches) const {
  // Roofline: the kernel is bound by whichever of compute and HBM traffic takes longer at the
  // achievable rates; a kernel that does neither still pays its launch.
  // A curve is indexed by what one kernel does: the launches share the work evenly.
  const double per_kernel = std::max(launches, 1);
  const double e_c =
      compute_efficiency_curve ? compute_efficiency_curve->at(flop_count / per_kernel) : compute_efficiency.value;
  const double e_m =
      memory_efficiency_curve ? memory_efficiency_curve->at(hbm_bytes / per_kernel) : memory_efficiency.value;
  const double compute_s = flop_count > 0 ? flop_count / (flops(dtype) * e_c) : 0.0;
  const double memory_s = hbm_bytes > 0 ? hbm_bytes / (hbm_bandwidth.value * e_m) : 0.0;
  return launches * launch_overhead.value + std::max(compute_s, memory_s);
}

DeviceProfile load_device_profile(const std::string& name_or_path) {
  const std::filesystem::path path = resolve_data_file(name_or_path, "model/devices", ".yaml");
  if (!std::filesystem::is_regular_file(path)) {
    const bool looks_like_path = name_or_path.find('/') != std::string::npos ||
                                 std::filesystem::path(name_or_path).has_extension();
    if (looks_like_path)
      throw InputError({}, "device",
                       fmt::format("cannot read device profile '{}': {}", name_or_path,
                                   not_a_regular_file(name_or_path).value_or("it is not a regular file")));
    throw InputError({}, "device", fmt::format("unknown device profile '{}'", name_or_path),
                     suggestion_note(name_or_path, shipped_profiles(), "shipped profiles") +
                         "; or give the path of a profile file");
  }
  return read_profile(yaml::load_yaml(path.string(), "device profile"));
}

}  // namespace clustersim::model
