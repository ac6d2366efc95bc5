// SPDX-License-Identifier: Apache-2.0
// Calibration: run the microkernels that fit this machine and write a measured device profile
// (with raw CSV sweeps beside it) that scenarios can name with `device: <path>`. Used by
// `clustersim calibrate` and by live runs, which calibrate before they compare.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace clustersim::calibrate {

struct CalibrationOptions {
  std::filesystem::path out;            ///< profile file to write; raw CSVs go beside it (empty: results/calibration/<profile name>.yaml)
  bool quick = false;                   ///< under a minute on a 2-core CPU-only machine
  std::vector<std::string> only;        ///< groups: memory, gemm, decode, mpi, cuda; empty = all
  int ranks = 0;                        ///< concurrent ranks to measure per-rank figures under; 0 = cores (at least 2 for mpi)
  std::function<void(const std::string&)> progress;  ///< one line per step, may be empty
};

struct CalibrationSummary {
  std::filesystem::path profile;
  std::filesystem::path gpu_profile;  ///< the GPU's own measured profile, when the CUDA group ran
  std::vector<std::string> skipped;  ///< "group: why"
};

/// Runs the groups (a group that cannot run or fails is skipped and says why; the others still
/// run), then writes the CSVs and the profile, each whole or not at all, the profile last.
/// Throws: InputError for an unknown group or a bad `out` (before anything runs);
/// std::runtime_error when no group measured anything or the files cannot be written.
CalibrationSummary run_calibration(const CalibrationOptions& options);

/// The calibration groups in the order they run.
const std::vector<std::string>& calibration_groups();

}  // namespace clustersim::calibrate
