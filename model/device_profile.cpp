// SPDX-License-Identifier: Apache-2.0
// Device profiles: the roofline kernel-time model and the YAML reader for model/devices/*.yaml.
// Keys carry their unit (dense_TFLOPS, hbm_bandwidth_GBps, memory_GB, launch_overhead_us) and
// are converted to SI here, the only place that knows them; GB = 1e9 B, TFLOPS = 1e12 FLOP/s.
// Every figure is {value, source}: a number without a provenance is rejected.
#include "model/device_profile.hpp"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "common/data_path.hpp"
#include "common/input_error.hpp"
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
  yaml::check_keys(item, {"value", "source"});
  const yaml::Item value_item = yaml::require(item, "value");
  const double value = yaml::as_positive_number(value_item);
  if (range == Range::fraction && value > 1)
    yaml::fail(value_item, fmt::format("expected a fraction in (0, 1], got {}{}", yaml::describe(value_item.node),
                                       yaml::in_path(value_item.path)));
  const auto source = yaml::find(item, "source");
  if (!source)
    yaml::fail(item, fmt::format("figure '{}' has no source", item.path),
               "add `source:` naming the datasheet, the measurement, or the assumption and its reasoning");
  return Figure{value * scale, yaml::as_string(*source)};
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
                          "memory_GB", "launch_overhead_us", "compute_efficiency", "memory_efficiency"});
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
    yaml::check_keys(*measured, {"host", "date", "method"});
    for (const yaml::Entry& entry : yaml::entries(*measured)) yaml::as_string(entry.value);
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

double DeviceProfile::kernel_time(double flop_count, double hbm_bytes, DType dtype, int launches) const {
  // Roofline: the kernel is bound by whichever of compute and HBM traffic takes longer at the
  // achievable rates; a kernel that does neither still pays its launch.
  const double compute_s = flop_count > 0 ? flop_count / (flops(dtype) * compute_efficiency.value) : 0.0;
  const double memory_s = hbm_bytes > 0 ? hbm_bytes / (hbm_bandwidth.value * memory_efficiency.value) : 0.0;
  return launches * launch_overhead.value + std::max(compute_s, memory_s);
}

DeviceProfile load_device_profile(const std::string& name_or_path) {
  const std::filesystem::path path = resolve_data_file(name_or_path, "model/devices", ".yaml");
  if (!std::filesystem::is_regular_file(path)) {
    const bool looks_like_path = name_or_path.find('/') != std::string::npos ||
                                 std::filesystem::path(name_or_path).has_extension();
    if (looks_like_path)
      throw InputError({}, "device", fmt::format("cannot read device profile '{}': no such file", name_or_path));
    throw InputError({}, "device", fmt::format("unknown device profile '{}'", name_or_path),
                     suggestion_note(name_or_path, shipped_profiles(), "shipped profiles") +
                         "; or give the path of a profile file");
  }
  return read_profile(yaml::load_yaml(path.string()));
}

}  // namespace clustersim::model
