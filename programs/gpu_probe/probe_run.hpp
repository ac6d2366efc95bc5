// SPDX-License-Identifier: Apache-2.0
// What every measurement group of the probe shares: the options, the device, the summary it adds
// its figures to, and the progress lines it prints.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "programs/gpu_probe/csv_table.hpp"
#include "programs/gpu_probe/timing.hpp"

namespace clustersim::gpu_probe {

struct ProbeRun {
  std::filesystem::path out;  ///< directory for the CSVs and summary.txt
  bool quick = false;         ///< smaller sweeps and fewer repetitions: under a minute on an H100
  Repetitions reps;
  int device_count = 0;
  cudaDeviceProp device{};  ///< device 0, where single-GPU groups run
  /// Best GB/s of the copy kernel (read + write), once the HBM group has run; the decode kernel's
  /// memory efficiency is relative to it. 0 when not measured.
  double hbm_copy_GBps = 0;
  /// key=value lines of summary.txt, in the order the groups add them.
  std::vector<std::pair<std::string, std::string>> summary;

  void note(const std::string& key, const std::string& value) { summary.emplace_back(key, value); }
  /// "[cuda] <group> <step>/<steps> <what>" on stderr.
  void progress(const std::string& group, int step, int steps, const std::string& what) const;
  /// Writes `table` as out/file.
  void write_csv(const std::string& file, const CsvTable& table) const;
};

/// from, from·factor, ... up to and including `to` when it is on the sequence.
std::vector<std::size_t> geometric_sizes(std::size_t from, std::size_t to, std::size_t factor);

/// "a:b;c:d" from points (x, y), the summary's format for curves.
std::string curve_text(const std::vector<std::pair<double, double>>& points);

}  // namespace clustersim::gpu_probe
