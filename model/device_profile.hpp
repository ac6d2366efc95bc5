// SPDX-License-Identifier: Apache-2.0
// DeviceProfile: what one accelerator can do — dense FLOP/s per dtype, HBM bandwidth and
// capacity, kernel launch overhead and achievable-efficiency factors — each figure with its
// provenance (a datasheet, or a measurement: where, when, how). Datasheet profiles ship in
// model/devices/*.yaml; calibration writes measured profiles in the same format, with optional
// efficiency curves by kernel size and measured link figures (format: README "Measured
// profiles"). This module is the only one that reads or writes that format: others build or
// edit a DeviceProfile and write it with to_yaml.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/dtype.hpp"
#include "topologies/topology.hpp"

namespace clustersim::model {

/// One number and where it comes from. value is in SI units (FLOP/s, B/s, B, s, or a fraction).
struct Figure {
  double value = 0;
  std::string source;
  std::optional<double> spread;  ///< relative spread over repetitions, (max-min)/median
  std::string flagged;           ///< why it should not be trusted; empty when it can be

  bool operator==(const Figure&) const = default;
};

/// Achievable efficiency by kernel size (bytes moved, or FLOPs): measured points with
/// increasing sizes, interpolated linearly in log(size) and clamped at the ends.
struct EfficiencyCurve {
  std::vector<std::pair<double, double>> points;  ///< (size, efficiency in (0, 1])
  std::string source;
  double at(double size) const;

  bool operator==(const EfficiencyCurve&) const = default;
};

/// Measured figures of one link class: one hop's one-way latency and its bandwidth.
struct LinkFigures {
  Figure latency;    ///< s
  Figure bandwidth;  ///< B/s per direction
  /// B/s per direction while both directions carry traffic (memory copies or a CPU's TCP stack
  /// serve both); value 0 = not measured, the topology's duplex stands.
  Figure both_ways;
  /// s, one hop's one-way latency for a message sent while the peer sends one back at once (an
  /// MPI exchange); value 0 = not measured, the latency stands.
  Figure both_ways_latency;
  double r_squared = 0;  ///< of the latency/bandwidth fit

  bool operator==(const LinkFigures&) const = default;
};

/// One figure as the profile file gives it, for showing figures as they are written.
struct FigureInFile {
  std::string key;    ///< its place in the file, e.g. `dense_TFLOPS.fp32`, `links.shared_memory.latency_us`
  std::string unit;   ///< the file's unit: `TFLOPS`, `GB/s`, `GB` or `us`; empty for a fraction
  std::string value;  ///< the value as to_yaml writes it, in that unit
  Figure figure;      ///< the figure itself, value in SI
};

struct DeviceProfile {
  std::string name;                                         ///< short name, e.g. `h100_sxm`
  std::string description;                                  ///< e.g. "NVIDIA H100 SXM5 80 GB"
  std::string provenance;                                   ///< `datasheet` or `measured`
  std::string origin;                                       ///< file the profile was read from
  std::map<DType, Figure> dense_flops;                      ///< FLOP/s by compute dtype
  Figure hbm_bandwidth;                                     ///< B/s
  Figure memory_capacity;                                   ///< B
  Figure launch_overhead;                                   ///< s per kernel
  Figure compute_efficiency;                                ///< achievable fraction of dense_flops
  Figure memory_efficiency;                                 ///< achievable fraction of hbm_bandwidth
  std::map<std::string, std::string> measured;              ///< the `measured` block (host, date, method, ...)
  std::optional<EfficiencyCurve> memory_efficiency_curve;   ///< by HBM bytes; replaces memory_efficiency
  std::optional<EfficiencyCurve> compute_efficiency_curve;  ///< by FLOPs; replaces compute_efficiency
  std::map<topo::LinkClass, LinkFigures> links;             ///< replace the topology's figures for that class
  /// USD per device-hour, for throughput per dollar; value 0 = not given (the file's optional
  /// `price_per_hour_USD`).
  Figure price_per_hour;

  bool operator==(const DeviceProfile&) const = default;

  /// Every figure the profile holds, in file order; a link's both-ways figures only when measured
  /// (value > 0), as the file leaves them out otherwise.
  std::vector<FigureInFile> figures_in_file() const;

  /// Every figure with a `flagged` reason: (its key in the file, the reason), in file order.
  std::vector<std::pair<std::string, std::string>> flagged_figures() const;

  /// Dense FLOP/s for `dtype`. Throws: InputError if the profile has no figure for it.
  double flops(DType dtype) const;

  /// Time of `launches` back-to-back kernels doing `flop_count` FLOPs and moving `hbm_bytes` in
  /// all: launches × launch overhead + roofline at the achievable rates,
  /// max(flops / (F·e_c), bytes / (B·e_m)); e_c and e_m come from the curves when the profile
  /// has them (at one kernel's share, flops / launches and bytes / launches), else the scalars.
  double kernel_time(double flop_count, double hbm_bytes, DType dtype, int launches = 1) const;
};

/// Reads a profile by short name (model/devices/<name>.yaml) or path.
/// Throws: InputError with file:line:column for unknown keys, wrong types, missing figures,
/// figures without a source, curves whose sizes do not increase or whose efficiencies leave
/// (0, 1], and links of an unknown class.
DeviceProfile load_device_profile(const std::string& name_or_path);

/// Reads a profile from YAML text; `origin` (a path, or a name in angle brackets) names it in
/// messages and becomes the profile's `origin`. Throws: InputError as load_device_profile does.
DeviceProfile parse_device_profile(const std::string& text, const std::string& origin);

/// The profile as a profile file: every field but `origin`, in the keys and units the reader
/// knows. Each number is the shortest decimal that reads back as the same double, so
/// parse_device_profile(to_yaml(p), p.origin) == p. `comment` (lines; may be empty) heads the
/// file as YAML comments. Throws: std::invalid_argument for a `measured` key the format lacks.
std::string to_yaml(const DeviceProfile& profile, const std::string& comment = {});

/// `figure` times `factor`: its source gains "; x <factor, 4 decimals>: <why>", and its spread
/// and flag are dropped, since the new value rests on the one timing `why` names, not on the
/// repetitions they described.
Figure scaled(Figure figure, double factor, const std::string& why);

/// `profile` with `link` as the measured figures of link class `cls`, replacing any it had.
/// Throws: std::invalid_argument if the link's latency or bandwidth is not a positive value
/// with a source, which the file could not carry.
DeviceProfile with_link(DeviceProfile profile, topo::LinkClass cls, LinkFigures link);

}  // namespace clustersim::model
