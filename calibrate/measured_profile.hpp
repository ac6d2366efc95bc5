// SPDX-License-Identifier: Apache-2.0
// A measured device profile as calibration writes it: the datasheet profile format
// (model/devices/*.yaml) plus provenance, each figure's spread and a flag on figures that should
// not be trusted, efficiency curves and measured link classes (format in /calibrate/README.md).
// Figures are held in the file's units (TFLOPS, GB/s, GB, us) so the writer only writes.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "calibrate/repeated.hpp"

namespace clustersim::calibrate {

struct MeasuredFigure {
  double value = 0;
  std::string source;
  std::optional<double> spread;  ///< (max − min) / median over the repetitions
  std::string flagged;           ///< why not to trust it; empty when trustworthy
};

/// A figure from repeated measurements: the median, its spread, and a flag when the spread
/// exceeds 10 % ("spread 23 % over 3 repetitions exceeds 10 %").
MeasuredFigure figure_from(const Repeated& repeated, std::string source);
/// The same from a median and spread measured elsewhere (the GPU probe), over `repetitions`.
MeasuredFigure figure_with_spread(double value, double spread, std::string source, const std::string& repetitions);

/// Efficiency (0, 1] by the size of a kernel (bytes or FLOPs), in increasing size.
struct EfficiencyCurve {
  std::string source;
  std::vector<std::pair<double, double>> points;
};

struct MeasuredLink {
  MeasuredFigure latency_us;      ///< one-way, one hop
  MeasuredFigure bandwidth_GBps;  ///< one way
  std::optional<MeasuredFigure> both_ways_GBps;  ///< per direction, both directions moving at once
  std::optional<MeasuredFigure> both_ways_latency_us;  ///< one hop, a message each way at once
  double r_squared = 0;
};

struct MeasuredProfile {
  std::string device;       ///< [a-z0-9_]
  std::string description;
  /// The `measured:` block in order: host, date, method, cpu, gpu, libraries, ranks, skipped.
  std::vector<std::pair<std::string, std::string>> measured;
  std::map<std::string, MeasuredFigure> dense_TFLOPS;  ///< by dtype name
  MeasuredFigure hbm_bandwidth_GBps;
  MeasuredFigure memory_GB;
  MeasuredFigure launch_overhead_us;
  MeasuredFigure compute_efficiency;
  MeasuredFigure memory_efficiency;
  std::optional<EfficiencyCurve> memory_efficiency_curve;   ///< by bytes
  std::optional<EfficiencyCurve> compute_efficiency_curve;  ///< by FLOPs
  std::map<std::string, MeasuredLink> links;                ///< by link class
};

/// The profile as YAML text (yaml-cpp's emitter), keys in the order of the datasheet profiles.
std::string to_yaml(const MeasuredProfile& profile);

/// `cpu_<hostname>` with every character outside [a-z0-9_] made '_' and letters lowered.
std::string measured_profile_name(const std::string& hostname);

}  // namespace clustersim::calibrate
