// SPDX-License-Identifier: Apache-2.0
// Fuzzes the GraphML topology reader. It reads files only (topo::load_topology, which picks the
// reader by extension), so each input is written to a .graphml scratch file in /dev/shm first.
#include <cstddef>
#include <cstdint>

#include "fuzz/rejections.hpp"
#include "topologies/topology.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static clustersim::fuzz::ScratchFile file(".graphml");
  const std::string& path = file.write(data, size);
  clustersim::fuzz::reject_quietly([&] { clustersim::topo::load_topology(path); });
  return 0;
}
