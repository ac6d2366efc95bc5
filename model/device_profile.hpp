// SPDX-License-Identifier: Apache-2.0
// DeviceProfile: what one accelerator can do — dense FLOP/s per dtype, HBM bandwidth and
// capacity, kernel launch overhead and achievable-efficiency factors — each figure with its
// provenance (a datasheet, or a measurement: where, when, how). Datasheet profiles ship in
// model/devices/*.yaml; calibration writes measured profiles in the same format.
#pragma once

#include <map>
#include <string>

#include "model/dtype.hpp"

namespace clustersim::model {

/// One number and where it comes from. value is in SI units (FLOP/s, B/s, B, s, or a fraction).
struct Figure {
  double value = 0;
  std::string source;
};

struct DeviceProfile {
  std::string name;         ///< short name, e.g. `h100_sxm`
  std::string description;  ///< e.g. "NVIDIA H100 SXM5 80 GB"
  std::string provenance;   ///< `datasheet` or `measured`
  std::string origin;       ///< file the profile was read from
  std::map<DType, Figure> dense_flops;  ///< FLOP/s by compute dtype
  Figure hbm_bandwidth;       ///< B/s
  Figure memory_capacity;     ///< B
  Figure launch_overhead;     ///< s per kernel
  Figure compute_efficiency;  ///< achievable fraction of dense_flops
  Figure memory_efficiency;   ///< achievable fraction of hbm_bandwidth

  /// Dense FLOP/s for `dtype`. Throws: InputError if the profile has no figure for it.
  double flops(DType dtype) const;

  /// Time of `launches` back-to-back kernels doing `flop_count` FLOPs and moving `hbm_bytes` in
  /// all: launches × launch overhead + roofline at the achievable rates,
  /// max(flops / (F·e_c), bytes / (B·e_m)).
  double kernel_time(double flop_count, double hbm_bytes, DType dtype, int launches = 1) const;
};

/// Reads a profile by short name (model/devices/<name>.yaml) or path.
/// Throws: InputError with file:line:column for unknown keys, wrong types, missing figures or
/// figures without a source.
DeviceProfile load_device_profile(const std::string& name_or_path);

}  // namespace clustersim::model
