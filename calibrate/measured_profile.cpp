// SPDX-License-Identifier: Apache-2.0
// Rounding happens here, before the device-profile writer, which writes every number exactly.
#include "calibrate/measured_profile.hpp"

#include <cctype>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace clustersim::calibrate {
namespace {

constexpr double kSpreadToFlag = 0.10;

/// `value` to four significant digits: the double nearest its four-digit decimal.
double four_digits(double value) {
  const std::string text = fmt::format("{:.3e}", value);
  double rounded = value;
  std::from_chars(text.data(), text.data() + text.size(), rounded);
  return rounded;
}

void round_figure(model::Figure& figure) {
  figure.value = four_digits(figure.value);
  if (figure.spread) figure.spread = four_digits(*figure.spread);
}

void round_curve(std::optional<model::EfficiencyCurve>& curve) {
  if (!curve) return;
  for (auto& [size, efficiency] : curve->points) {
    size = std::round(size);
    efficiency = four_digits(efficiency);
  }
}

}  // namespace

model::Figure figure_with_spread(double value, double spread, std::string source, const std::string& repetitions) {
  model::Figure figure{.value = value, .source = std::move(source), .spread = spread};
  if (spread > kSpreadToFlag)
    figure.flagged = fmt::format("spread {:.0f} % over {} repetitions exceeds {:.0f} %", spread * 100, repetitions,
                                 kSpreadToFlag * 100);
  return figure;
}

model::Figure figure_from(const Repeated& repeated, std::string source) {
  return figure_with_spread(repeated.median(), repeated.spread(), std::move(source),
                            std::to_string(repeated.values.size()));
}

std::string measured_profile_text(model::DeviceProfile p) {
  for (auto& [dtype, figure] : p.dense_flops) round_figure(figure);
  for (model::Figure* figure :
       {&p.hbm_bandwidth, &p.memory_capacity, &p.launch_overhead, &p.compute_efficiency, &p.memory_efficiency})
    round_figure(*figure);
  round_curve(p.memory_efficiency_curve);
  round_curve(p.compute_efficiency_curve);
  for (auto& [cls, link] : p.links) {
    for (model::Figure* figure : {&link.latency, &link.bandwidth, &link.both_ways, &link.both_ways_latency})
      round_figure(*figure);
    link.r_squared = four_digits(link.r_squared);
  }
  return model::to_yaml(p,
                        "Measured by clustersim calibrate; raw sweeps (CSV) beside this file. "
                        "Use it with `device: <path of this file>` in a scenario.");
}

std::string measured_profile_name(const std::string& hostname) {
  std::string name = "cpu_";
  for (unsigned char c : hostname) name += c < 128 && std::isalnum(c) ? static_cast<char>(std::tolower(c)) : '_';
  return name;
}

}  // namespace clustersim::calibrate
