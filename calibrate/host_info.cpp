// SPDX-License-Identifier: Apache-2.0
#include "calibrate/host_info.hpp"

#include <unistd.h>

#include <cblas.h>

#include <ctime>
#include <fstream>
#include <thread>

namespace clustersim::calibrate {
namespace {

/// The value after "<key>" and its colon on the first line of `file` that starts with `key`.
std::string first_field(const char* file, const std::string& key) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) != 0) continue;
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::size_t start = line.find_first_not_of(" \t", colon + 1);
    return start == std::string::npos ? "" : line.substr(start);
  }
  return "";
}

}  // namespace

HostInfo describe_host() {
  HostInfo host;
  char name[256] = {};
  host.hostname = ::gethostname(name, sizeof name - 1) == 0 && name[0] ? name : "localhost";
  host.cpu_model = first_field("/proc/cpuinfo", "model name");
  if (host.cpu_model.empty()) host.cpu_model = "unknown CPU";
  host.cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const std::string mem_kb = first_field("/proc/meminfo", "MemTotal");  // "24683620 kB"
  host.memory_bytes = mem_kb.empty() ? 0 : std::stod(mem_kb) * 1024;
  const long llc = ::sysconf(_SC_LEVEL3_CACHE_SIZE);
  host.last_level_cache_bytes = llc > 0 ? static_cast<double>(llc) : 0;
  // e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64"
  const char* config = openblas_get_config();
  host.blas = config ? config : "OpenBLAS (version unknown)";
  return host;
}

std::string utc_timestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace clustersim::calibrate
