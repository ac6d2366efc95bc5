// SPDX-License-Identifier: Apache-2.0
// Device profiles: the roofline kernel-time model and the profile file format, read and written
// here only. Keys carry their unit (dense_TFLOPS, hbm_bandwidth_GBps, memory_GB,
// launch_overhead_us) and are converted to SI here, the only place that knows them; GB = 1e9 B,
// TFLOPS = 1e12 FLOP/s. Every figure is {value, source}, optionally with `spread` and `flagged`:
// a number without a provenance is rejected. Measured profiles may add efficiency curves and
// per-class link figures; the curves are interpolated in log(size) because kernel efficiency
// climbs over decades of size (launch- and latency-bound small kernels, bandwidth-bound large
// ones). A number changes unit by moving its decimal point, never by multiplying, so that what
// is written reads back as the same double.
#include "model/device_profile.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "common/data_path.hpp"
#include "common/input_error.hpp"
#include "common/read_file.hpp"
#include "common/yaml_reader.hpp"

namespace clustersim::model {
namespace {

/// A unit of the file: SI = value × 10^exponent.
struct Unit {
  int exponent;
  const char* name;  ///< as summaries show it; empty for a fraction
};
constexpr Unit kTFLOPS{12, "TFLOPS"};
constexpr Unit kGBps{9, "GB/s"};
constexpr Unit kGB{9, "GB"};
constexpr Unit kMicroseconds{-6, "us"};
constexpr Unit kFraction{0, ""};
constexpr Unit kUSD{0, "USD"};

enum class Range { positive, fraction };

/// The figures at the top level of the file, after dense_TFLOPS, in file order.
struct FigureKey {
  const char* key;
  Figure DeviceProfile::*member;
  Unit unit;
  Range range;
};
const FigureKey kFigureKeys[] = {
    {"hbm_bandwidth_GBps", &DeviceProfile::hbm_bandwidth, kGBps, Range::positive},
    {"memory_GB", &DeviceProfile::memory_capacity, kGB, Range::positive},
    {"launch_overhead_us", &DeviceProfile::launch_overhead, kMicroseconds, Range::positive},
    {"compute_efficiency", &DeviceProfile::compute_efficiency, kFraction, Range::fraction},
    {"memory_efficiency", &DeviceProfile::memory_efficiency, kFraction, Range::fraction}};

/// The figures of one link class, in file order; an optional one is absent while its value is 0.
struct LinkKey {
  const char* key;
  Figure LinkFigures::*member;
  Unit unit;
  bool optional;
};
const LinkKey kLinkKeys[] = {{"latency_us", &LinkFigures::latency, kMicroseconds, false},
                             {"bandwidth_GBps", &LinkFigures::bandwidth, kGBps, false},
                             {"both_ways_GBps", &LinkFigures::both_ways, kGBps, true},
                             {"both_ways_latency_us", &LinkFigures::both_ways_latency, kMicroseconds, true}};

/// The keys of the `measured` block, in the order they are written.
const std::vector<std::string> kMeasuredKeys{"host", "date", "method", "cpu", "gpu", "libraries", "ranks", "skipped"};

bool present(const LinkKey& key, const LinkFigures& link) { return !key.optional || (link.*key.member).value > 0; }

/// A positive number given in `unit`, in SI: the file's decimal with its point moved and read
/// once, so that the result is the double nearest the value the file states.
double read_in_unit(const yaml::Item& item, Unit unit) {
  const double in_unit = yaml::as_positive_number(item);
  if (unit.exponent == 0) return in_unit;
  const std::string& text = item.node.Scalar();
  const std::size_t e = text.find_first_of("eE");
  long long exponent = 0;
  if (e != std::string::npos) {
    const char* first = text.data() + e + 1;
    const char* last = text.data() + text.size();
    if (first != last && *first == '+') ++first;
    const auto [end, ec] = std::from_chars(first, last, exponent);
    if (ec != std::errc{} || end != last)
      yaml::fail(item, fmt::format("{} {} is out of range{}", text, unit.name, yaml::in_path(item.path)));
  }
  const std::string moved = fmt::format("{}e{}", text.substr(0, e), exponent + unit.exponent);
  double value = 0;
  const auto [end, ec] = std::from_chars(moved.data(), moved.data() + moved.size(), value);
  if (ec != std::errc{} || !std::isfinite(value) || value <= 0)
    yaml::fail(item, fmt::format("{} {} is out of range{}", text, unit.name, yaml::in_path(item.path)));
  return value;
}

/// `value` (SI) in `unit`: the digits of its shortest round-trip form with the decimal point
/// moved, so that read_in_unit gives `value` back exactly.
std::string decimal_in_unit(double value, Unit unit) {
  if (value == 0) return "0";
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  const std::string text(buffer, end);  // e.g. "-3.35e+12"
  const std::size_t e = text.find('e');
  std::string sign, digits;
  for (char c : text.substr(0, e)) {
    if (c == '-') sign = "-";
    if (c >= '0' && c <= '9') digits += c;
  }
  const int exponent = std::stoi(text.substr(e + 1)) - unit.exponent;  // value = d.ddd × 10^exponent
  const int n = static_cast<int>(digits.size());
  const int point = exponent + 1;  // digits before the decimal point
  if (point > 21 || point < -5)
    return fmt::format("{}{}{}{}e{}", sign, digits[0], n > 1 ? "." : "", digits.substr(1), exponent);
  if (point <= 0) return sign + "0." + std::string(-point, '0') + digits;
  if (point >= n) return sign + digits + std::string(point - n, '0');
  return sign + digits.substr(0, point) + "." + digits.substr(point);
}

Figure read_figure(const yaml::Item& item, Unit unit, Range range) {
  if (!item.node.IsMap())
    yaml::fail(item,
               fmt::format("expected a figure {{value: ..., source: ...}}, got {}{}", yaml::describe(item.node),
                           yaml::in_path(item.path)),
               "every figure in a device profile says where it comes from: a datasheet, a measurement, "
               "or an assumption with its reasoning");
  yaml::check_keys(item, {"value", "source", "spread", "flagged"});
  const yaml::Item value_item = yaml::require(item, "value");
  const double value = read_in_unit(value_item, unit);
  if (range == Range::fraction && value > 1)
    yaml::fail(value_item, fmt::format("expected a fraction in (0, 1], got {}{}", yaml::describe(value_item.node),
                                       yaml::in_path(value_item.path)));
  const auto source = yaml::find(item, "source");
  if (!source)
    yaml::fail(item, fmt::format("figure '{}' has no source", item.path),
               "add `source:` naming the datasheet, the measurement, or the assumption and its reasoning");
  Figure figure{value, yaml::as_string(*source)};
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
      yaml::fail(pair[0],
                 fmt::format("point sizes must increase: {} follows {}{}", size, curve.points.back().first,
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
  std::vector<std::string> keys;
  for (const LinkKey& key : kLinkKeys) keys.emplace_back(key.key);
  keys.emplace_back("r_squared");
  yaml::check_keys(item, keys);
  LinkFigures link;
  for (const LinkKey& key : kLinkKeys) {
    const auto figure = key.optional ? yaml::find(item, key.key) : yaml::require(item, key.key);
    if (figure) link.*key.member = read_figure(*figure, key.unit, Range::positive);
  }
  if (const auto r2 = yaml::find(item, "r_squared")) {
    link.r_squared = yaml::as_number(*r2);
    if (link.r_squared > 1)
      yaml::fail(*r2,
                 fmt::format("expected r_squared <= 1, got {}{}", yaml::describe(r2->node), yaml::in_path(r2->path)));
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
                          "memory_efficiency_curve", "compute_efficiency_curve", "links", "price_per_hour_USD"});
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
    yaml::check_keys(*measured, kMeasuredKeys);
    for (const yaml::Entry& entry : yaml::entries(*measured)) p.measured[entry.key] = yaml::as_string(entry.value);
  }

  const yaml::Item flops = yaml::require(root, "dense_TFLOPS");
  yaml::check_keys(flops, dtype_names());
  for (const yaml::Entry& entry : yaml::entries(flops))
    p.dense_flops[*dtype_from_string(entry.key)] = read_figure(entry.value, kTFLOPS, Range::positive);
  if (p.dense_flops.empty())
    yaml::fail(flops, "expected at least one dtype in 'dense_TFLOPS', got none",
               fmt::format("valid dtypes: {}", fmt::join(dtype_names(), ", ")));

  for (const FigureKey& key : kFigureKeys)
    p.*key.member = read_figure(yaml::require(root, key.key), key.unit, key.range);
  if (auto price = yaml::find(root, "price_per_hour_USD"))
    p.price_per_hour = read_figure(*price, kUSD, Range::positive);
  if (auto curve = yaml::find(root, "memory_efficiency_curve")) p.memory_efficiency_curve = read_curve(*curve);
  if (auto curve = yaml::find(root, "compute_efficiency_curve")) p.compute_efficiency_curve = read_curve(*curve);
  if (auto links = yaml::find(root, "links")) {
    yaml::check_keys(*links, link_class_names());
    for (const yaml::Entry& entry : yaml::entries(*links))
      p.links[*topo::link_class_from_string(entry.key)] = read_link(entry.value);
  }
  return p;
}

void emit_figure(YAML::Emitter& out, const std::string& key, const Figure& figure, Unit unit) {
  out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginMap;
  out << YAML::Key << "value" << YAML::Value << decimal_in_unit(figure.value, unit);
  out << YAML::Key << "source" << YAML::Value << YAML::DoubleQuoted << figure.source;
  if (figure.spread) out << YAML::Key << "spread" << YAML::Value << decimal_in_unit(*figure.spread, kFraction);
  if (!figure.flagged.empty()) out << YAML::Key << "flagged" << YAML::Value << YAML::DoubleQuoted << figure.flagged;
  out << YAML::EndMap;
}

void emit_curve(YAML::Emitter& out, const std::string& key, const EfficiencyCurve& curve) {
  out << YAML::Key << key << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "source" << YAML::Value << YAML::DoubleQuoted << curve.source;
  out << YAML::Key << "points" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& [size, efficiency] : curve.points)
    out << YAML::Flow << YAML::BeginSeq << decimal_in_unit(size, kFraction) << decimal_in_unit(efficiency, kFraction)
        << YAML::EndSeq;
  out << YAML::EndSeq << YAML::EndMap;
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
  const auto upper =
      std::upper_bound(points.begin(), points.end(), size, [](double s, const auto& point) { return s < point.first; });
  const auto lower = upper - 1;
  const double t = std::log(size / lower->first) / std::log(upper->first / lower->first);
  return lower->second + t * (upper->second - lower->second);
}

std::vector<FigureInFile> DeviceProfile::figures_in_file() const {
  std::vector<FigureInFile> out;
  const auto add = [&](std::string key, const Figure& figure, Unit unit) {
    out.push_back({std::move(key), unit.name, decimal_in_unit(figure.value, unit), figure});
  };
  for (const auto& [dtype, figure] : dense_flops)
    add(fmt::format("dense_TFLOPS.{}", to_string(dtype)), figure, kTFLOPS);
  for (const FigureKey& key : kFigureKeys) add(key.key, this->*key.member, key.unit);
  if (price_per_hour.value > 0) add("price_per_hour_USD", price_per_hour, kUSD);
  for (const auto& [cls, link] : links)
    for (const LinkKey& key : kLinkKeys)
      if (present(key, link))
        add(fmt::format("links.{}.{}", topo::to_string(cls), key.key), link.*key.member, key.unit);
  return out;
}

std::vector<std::pair<std::string, std::string>> DeviceProfile::flagged_figures() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const FigureInFile& f : figures_in_file())
    if (!f.figure.flagged.empty()) out.emplace_back(f.key, f.figure.flagged);
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
    const bool looks_like_path =
        name_or_path.find('/') != std::string::npos || std::filesystem::path(name_or_path).has_extension();
    if (looks_like_path)
      throw InputError({}, "device",
                       fmt::format("cannot read device profile '{}': {}", name_or_path,
                                   not_a_regular_file(name_or_path).value_or("it is not a regular file")));
    throw InputError(
        {}, "device", fmt::format("unknown device profile '{}'", name_or_path),
        suggestion_note(name_or_path, shipped_profiles(), "shipped profiles") + "; or give the path of a profile file");
  }
  return read_profile(yaml::load_yaml(path.string(), "device profile"));
}

DeviceProfile parse_device_profile(const std::string& text, const std::string& origin) {
  return read_profile(yaml::parse_yaml(text, origin));
}

std::string to_yaml(const DeviceProfile& p, const std::string& comment) {
  for (const auto& [key, text] : p.measured)
    if (std::find(kMeasuredKeys.begin(), kMeasuredKeys.end(), key) == kMeasuredKeys.end())
      throw std::invalid_argument(
          fmt::format("device profile '{}': no key 'measured.{}' in the profile format "
                      "(keys: {})",
                      p.name, key, fmt::join(kMeasuredKeys, ", ")));
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "device" << YAML::Value << p.name;
  if (!p.description.empty()) out << YAML::Key << "description" << YAML::Value << YAML::DoubleQuoted << p.description;
  out << YAML::Key << "provenance" << YAML::Value << p.provenance;
  if (!p.measured.empty()) {
    out << YAML::Key << "measured" << YAML::Value << YAML::BeginMap;
    for (const std::string& key : kMeasuredKeys)
      if (const auto it = p.measured.find(key); it != p.measured.end())
        out << YAML::Key << key << YAML::Value << YAML::DoubleQuoted << it->second;
    out << YAML::EndMap;
  }
  out << YAML::Key << "dense_TFLOPS" << YAML::Value << YAML::BeginMap;
  for (const auto& [dtype, figure] : p.dense_flops) emit_figure(out, to_string(dtype), figure, kTFLOPS);
  out << YAML::EndMap;
  for (const FigureKey& key : kFigureKeys) emit_figure(out, key.key, p.*key.member, key.unit);
  if (p.price_per_hour.value > 0) emit_figure(out, "price_per_hour_USD", p.price_per_hour, kUSD);
  if (p.memory_efficiency_curve) emit_curve(out, "memory_efficiency_curve", *p.memory_efficiency_curve);
  if (p.compute_efficiency_curve) emit_curve(out, "compute_efficiency_curve", *p.compute_efficiency_curve);
  if (!p.links.empty()) {
    out << YAML::Key << "links" << YAML::Value << YAML::BeginMap;
    for (const auto& [cls, link] : p.links) {
      out << YAML::Key << topo::to_string(cls) << YAML::Value << YAML::BeginMap;
      for (const LinkKey& key : kLinkKeys)
        if (present(key, link)) emit_figure(out, key.key, link.*key.member, key.unit);
      out << YAML::Key << "r_squared" << YAML::Value << decimal_in_unit(link.r_squared, kFraction);
      out << YAML::EndMap;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  if (!out.good()) throw std::logic_error("device profile: YAML emitter error: " + out.GetLastError());
  std::string text;
  for (std::size_t begin = 0; begin < comment.size();) {
    const std::size_t end = std::min(comment.find('\n', begin), comment.size());
    text += "# " + comment.substr(begin, end - begin) + "\n";
    begin = end + 1;
  }
  return text + out.c_str() + "\n";
}

Figure scaled(Figure figure, double factor, const std::string& why) {
  figure.source = fmt::format("{}; x {:.4f}: {}", figure.source, factor, why);
  figure.value *= factor;
  figure.spread.reset();
  figure.flagged.clear();
  return figure;
}

DeviceProfile with_link(DeviceProfile profile, topo::LinkClass cls, LinkFigures link) {
  for (const LinkKey& key : kLinkKeys) {
    const Figure& figure = link.*key.member;
    if (present(key, link) && (!(figure.value > 0) || figure.source.empty()))
      throw std::invalid_argument(fmt::format("links.{}.{}: expected a positive value with a source, got {} from '{}'",
                                              topo::to_string(cls), key.key, figure.value, figure.source));
  }
  profile.links[cls] = std::move(link);
  return profile;
}

}  // namespace clustersim::model
