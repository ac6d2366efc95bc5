// SPDX-License-Identifier: Apache-2.0
// Fuzzes the results reader, results::results_from_json_text, with the input as results.json.
#include <cstddef>
#include <cstdint>

#include "fuzz/rejections.hpp"
#include "schemas/results.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  clustersim::fuzz::reject_quietly(
      [&] { clustersim::results::results_from_json_text(clustersim::fuzz::as_text(data, size)); });
  return 0;
}
