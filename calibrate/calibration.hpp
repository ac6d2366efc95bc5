// SPDX-License-Identifier: Apache-2.0
// Calibration: run the microkernels that fit this machine and write a measured device profile
// (with raw CSV sweeps beside it) that scenarios can name with `device: <path>`. Used by
// `clustersim calibrate` and by live runs, which calibrate before they compare.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/device_profile.hpp"
#include "schemas/comparison.hpp"

namespace clustersim::calibrate {

struct CalibrationOptions {
  std::filesystem::path
      out;  ///< profile file to write; raw CSVs go beside it (empty: results/calibration/<profile name>.yaml)
  bool quick = false;             ///< under a minute on a 2-core CPU-only machine
  std::vector<std::string> only;  ///< groups: memory, gemm, decode, mpi, cuda; empty = all
  int ranks = 0;  ///< concurrent ranks to measure per-rank figures under; 0 = cores (at least 2 for mpi)
  std::function<void(const std::string&)> progress;  ///< one line per step, may be empty
};

struct CalibrationSummary {
  std::filesystem::path profile;
  std::filesystem::path gpu_profile;  ///< the GPU's own measured profile, when the CUDA group ran
  std::vector<std::string> skipped;   ///< "group: why"
};

/// Runs the groups (a group that cannot run or fails is skipped and says why; the others still
/// run), then writes the CSVs and the profile, each whole or not at all, the profile last.
/// Throws: InputError for an unknown group or a bad `out` (before anything runs);
/// std::runtime_error when no group measured anything or the files cannot be written.
CalibrationSummary run_calibration(const CalibrationOptions& options);

/// A call of the decode kernel that read `bytes` (per rank) in `seconds`, against what the
/// profile says of that size: the rate net of the profile's launch overhead.
results::RateRecheck decode_kernel_rate(const model::DeviceProfile& profile, double bytes, double seconds);

/// Whether the profile is one calibration wrote for a CPU, whose decode kernel can be timed
/// again here (datasheet and GPU profiles are not).
bool can_recheck_decode_kernel(const model::DeviceProfile& profile);
/// The kernel timed again on `kv_bytes_per_rank` of K and V (whole tokens of calibration's
/// layout, 8 KV heads of 128 in fp32; by default its largest shard, 256 MiB). std::nullopt
/// unless can_recheck_decode_kernel(profile) and the kernel passes its check.
std::optional<results::RateRecheck> recheck_decode_kernel(const model::DeviceProfile& profile,
                                                          double kv_bytes_per_rank = 256.0 * (1 << 20));

/// What calibration measures, in the order it runs; `--only` names them.
enum class CalibrationGroup { memory, gemm, decode, mpi, cuda };

/// memory, gemm, decode, mpi, cuda.
const char* to_string(CalibrationGroup group);
/// Every group, in the order they run.
const std::vector<CalibrationGroup>& calibration_groups();

}  // namespace clustersim::calibrate
