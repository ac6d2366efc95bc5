// SPDX-License-Identifier: Apache-2.0
// What a measured profile records about the machine it was measured on: the provenance that
// lets a reader judge whether the figures apply to their own machine.
#pragma once

#include <cstdint>
#include <string>

namespace clustersim::calibrate {

struct HostInfo {
  std::string hostname;
  std::string cpu_model;              ///< /proc/cpuinfo "model name" (or "unknown CPU")
  int cores = 1;                      ///< online logical CPUs
  double memory_bytes = 0;            ///< /proc/meminfo MemTotal
  double last_level_cache_bytes = 0;  ///< as the C library reports it; 0 if unknown
  std::string blas;                   ///< OpenBLAS version and build (openblas_get_config)
};

HostInfo describe_host();

/// The current time in UTC, ISO 8601 to the second ("2026-11-23T12:00:00Z").
std::string utc_timestamp();

}  // namespace clustersim::calibrate
