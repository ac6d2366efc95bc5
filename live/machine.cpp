// SPDX-License-Identifier: Apache-2.0
#include "live/machine.hpp"

#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <thread>

namespace clustersim::live {

Machine this_machine() {
  Machine m;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) m.host = host;
  m.cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  double kib = 0;
  std::string unit;
  while (meminfo >> key >> kib) {
    std::getline(meminfo, unit);
    if (key == "MemAvailable:") {
      m.available_memory_bytes = kib * 1024;
      return m;
    }
  }
  throw std::runtime_error("cannot read MemAvailable from /proc/meminfo: the memory check of live runs needs it");
}

}  // namespace clustersim::live
