// SPDX-License-Identifier: Apache-2.0
// Numbers are written to four significant digits — measurements are not more precise than
// that — except sizes on the curves, which are whole bytes or FLOPs.
#include "calibrate/measured_profile.hpp"

#include <cctype>
#include <cmath>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace clustersim::calibrate {
namespace {

constexpr double kSpreadToFlag = 0.10;

void emit_figure(YAML::Emitter& out, const std::string& key, const MeasuredFigure& figure) {
  out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginMap;
  out << YAML::Key << "value" << YAML::Value << figure.value;
  out << YAML::Key << "source" << YAML::Value << YAML::DoubleQuoted << figure.source;
  if (figure.spread) out << YAML::Key << "spread" << YAML::Value << *figure.spread;
  if (!figure.flagged.empty()) out << YAML::Key << "flagged" << YAML::Value << YAML::DoubleQuoted << figure.flagged;
  out << YAML::EndMap;
}

void emit_curve(YAML::Emitter& out, const std::string& key, const EfficiencyCurve& curve) {
  out << YAML::Key << key << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "source" << YAML::Value << YAML::DoubleQuoted << curve.source;
  out << YAML::Key << "points" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& [size, efficiency] : curve.points)
    out << YAML::Flow << YAML::BeginSeq << static_cast<long long>(std::llround(size)) << efficiency << YAML::EndSeq;
  out << YAML::EndSeq << YAML::EndMap;
}

}  // namespace

MeasuredFigure figure_with_spread(double value, double spread, std::string source, const std::string& repetitions) {
  MeasuredFigure figure{.value = value, .source = std::move(source), .spread = spread};
  if (spread > kSpreadToFlag)
    figure.flagged = fmt::format("spread {:.0f} % over {} repetitions exceeds {:.0f} %", spread * 100, repetitions,
                                 kSpreadToFlag * 100);
  return figure;
}

MeasuredFigure figure_from(const Repeated& repeated, std::string source) {
  return figure_with_spread(repeated.median(), repeated.spread(), std::move(source),
                            std::to_string(repeated.values.size()));
}

std::string to_yaml(const MeasuredProfile& p) {
  YAML::Emitter out;
  out.SetDoublePrecision(4);
  out << YAML::Comment("Measured by clustersim calibrate; raw sweeps (CSV) beside this file. "
                       "Use it with `device: <path of this file>` in a scenario.");
  out << YAML::BeginMap;
  out << YAML::Key << "device" << YAML::Value << p.device;
  out << YAML::Key << "description" << YAML::Value << YAML::DoubleQuoted << p.description;
  out << YAML::Key << "provenance" << YAML::Value << "measured";
  out << YAML::Key << "measured" << YAML::Value << YAML::BeginMap;
  for (const auto& [key, text] : p.measured) out << YAML::Key << key << YAML::Value << YAML::DoubleQuoted << text;
  out << YAML::EndMap;
  out << YAML::Key << "dense_TFLOPS" << YAML::Value << YAML::BeginMap;
  for (const auto& [dtype, figure] : p.dense_TFLOPS) emit_figure(out, dtype, figure);
  out << YAML::EndMap;
  emit_figure(out, "hbm_bandwidth_GBps", p.hbm_bandwidth_GBps);
  emit_figure(out, "memory_GB", p.memory_GB);
  emit_figure(out, "launch_overhead_us", p.launch_overhead_us);
  emit_figure(out, "compute_efficiency", p.compute_efficiency);
  emit_figure(out, "memory_efficiency", p.memory_efficiency);
  if (p.memory_efficiency_curve) emit_curve(out, "memory_efficiency_curve", *p.memory_efficiency_curve);
  if (p.compute_efficiency_curve) emit_curve(out, "compute_efficiency_curve", *p.compute_efficiency_curve);
  if (!p.links.empty()) {
    out << YAML::Key << "links" << YAML::Value << YAML::BeginMap;
    for (const auto& [link_class, link] : p.links) {
      out << YAML::Key << link_class << YAML::Value << YAML::BeginMap;
      emit_figure(out, "latency_us", link.latency_us);
      emit_figure(out, "bandwidth_GBps", link.bandwidth_GBps);
      if (link.both_ways_GBps) emit_figure(out, "both_ways_GBps", *link.both_ways_GBps);
      if (link.both_ways_latency_us) emit_figure(out, "both_ways_latency_us", *link.both_ways_latency_us);
      out << YAML::Key << "r_squared" << YAML::Value << link.r_squared;
      out << YAML::EndMap;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  if (!out.good()) throw std::logic_error("measured profile: YAML emitter error: " + out.GetLastError());
  return std::string(out.c_str()) + "\n";
}

std::string measured_profile_name(const std::string& hostname) {
  std::string name = "cpu_";
  for (unsigned char c : hostname) name += c < 128 && std::isalnum(c) ? static_cast<char>(std::tolower(c)) : '_';
  return name;
}

}  // namespace clustersim::calibrate
