// SPDX-License-Identifier: Apache-2.0
// Fuzzes the device-profile reader, model::parse_device_profile, with the input as the profile's
// YAML (the format of model/devices/*.yaml and of calibration's measured profiles).
#include <cstddef>
#include <cstdint>

#include "fuzz/rejections.hpp"
#include "model/device_profile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  clustersim::fuzz::reject_quietly(
      [&] { clustersim::model::parse_device_profile(clustersim::fuzz::as_text(data, size), "<fuzz>"); });
  return 0;
}
