// SPDX-License-Identifier: Apache-2.0
// Calibration: measures this machine (memory bandwidth, GEMM, the decode kernel, MPI, CUDA when
// present) and writes a measured device profile with its raw sweeps beside it.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace clustersim::calibrate {

struct CalibrationOptions {
  std::filesystem::path out;            // profile file to write; raw CSVs go beside it
  bool quick = false;                   // under a minute on a 2-core CPU-only machine
  std::vector<std::string> only;        // groups: memory, gemm, decode, mpi, cuda; empty = all
  int ranks = 0;                        // concurrent ranks to measure per-rank figures under; 0 = cores (at least 2 for mpi)
  std::function<void(const std::string&)> progress;  // one line per step, may be empty
};

struct CalibrationSummary {
  std::filesystem::path profile;
  std::vector<std::string> skipped;  // "group: why"
};

CalibrationSummary run_calibration(const CalibrationOptions&);  // throws on fatal errors; writes atomically

}  // namespace clustersim::calibrate
