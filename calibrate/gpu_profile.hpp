// SPDX-License-Identifier: Apache-2.0
// The CUDA group's figures as a measured GPU profile: clustersim_gpu_probe's summary.txt
// (key=value lines, documented in programs/gpu_probe/README.md) mapped onto the device-profile
// format, so a scenario can name the measured GPU as it names a datasheet one.
#pragma once

#include <map>
#include <string>

#include "calibrate/measured_profile.hpp"

namespace clustersim::calibrate {

/// Reads summary.txt: one `key=value` per line.
std::map<std::string, std::string> read_probe_summary(const std::string& text);

/// The measured profile of the probed GPU (`gpu_<name>`): dense bf16/fp16 rates from the best
/// GEMM, HBM bandwidth from the copy kernel, launch overhead and memory-efficiency curve from the
/// split-KV decode sweep, the host link (`links.pcie`) from pinned host-to-device copies.
/// `host` and `date` fill the provenance. Throws: std::runtime_error naming the missing keys
/// when a group the profile needs did not run or failed.
model::DeviceProfile gpu_profile_from_summary(const std::map<std::string, std::string>& summary,
                                              const std::string& host, const std::string& date);

}  // namespace clustersim::calibrate
