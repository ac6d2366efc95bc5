// SPDX-License-Identifier: Apache-2.0
// Fuzzes the scenario reader, scenarios::parse_scenario, with the input as the scenario's YAML.
// The shipped topologies, device profiles and models it names are read from the source tree.
#include <cstddef>
#include <cstdint>

#include "fuzz/rejections.hpp"
#include "scenarios/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  clustersim::fuzz::reject_quietly(
      [&] { clustersim::scenarios::parse_scenario(clustersim::fuzz::as_text(data, size), "<fuzz>"); });
  return 0;
}
