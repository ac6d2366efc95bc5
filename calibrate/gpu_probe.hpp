// SPDX-License-Identifier: Apache-2.0
// The CUDA group: clustersim_gpu_probe (built only with CUDA) measures the GPU and writes its
// raw sweeps as CSV files. Calibration runs it when it is there, keeps its files beside the
// profile (named gpu_*), turns its summary into the GPU's own profile (calibrate/gpu_profile),
// and says why not when it is absent or finds no GPU.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace clustersim::calibrate {

struct GpuProbeResult {
  bool ran = false;                          ///< the probe measured a GPU
  std::string why_not;                       ///< when !ran: "built without CUDA", the probe's reason, …
  std::map<std::string, std::string> files;  ///< its output files, name -> content
};

/// Runs `probe --out <scratch dir> [--quick]`; a missing `probe` means a build without CUDA.
/// Exit status 3 means no usable GPU, its reason on stderr.
GpuProbeResult run_gpu_probe(const std::filesystem::path& probe, bool quick);

}  // namespace clustersim::calibrate
