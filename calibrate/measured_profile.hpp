// SPDX-License-Identifier: Apache-2.0
// A measured device profile as calibration writes it: a model::DeviceProfile with provenance,
// each figure's spread and a flag on figures that should not be trusted, efficiency curves and
// measured link classes (format in /calibrate/README.md), written by the device-profile module.
// Here: the flagging rule, the precision calibration writes, and the profile name.
#pragma once

#include <string>

#include "calibrate/repeated.hpp"
#include "model/device_profile.hpp"

namespace clustersim::calibrate {

/// A figure from repeated measurements: the median, its spread, and a flag when the spread
/// exceeds 10 % ("spread 23 % over 3 repetitions exceeds 10 %").
model::Figure figure_from(const Repeated& repeated, std::string source);
/// The same from a median and spread measured elsewhere (the GPU probe), over `repetitions`.
model::Figure figure_with_spread(double value, double spread, std::string source, const std::string& repetitions);

/// The profile as calibration writes it (model::to_yaml): every figure, spread, efficiency and
/// R² to four significant digits, since measurements are not more precise than that, and curve
/// sizes whole bytes or FLOPs; headed by a comment saying how to use it.
std::string measured_profile_text(model::DeviceProfile profile);

/// `cpu_<hostname>` with every character outside [a-z0-9_] made '_' and letters lowered.
std::string measured_profile_name(const std::string& hostname);

}  // namespace clustersim::calibrate
