// SPDX-License-Identifier: Apache-2.0
#include "programs/gpu_probe/link_fit_notes.hpp"

#include <stdexcept>

namespace clustersim::gpu_probe {

void note_link_fit(ProbeRun& run, const std::string& prefix, const std::vector<calibrate::Sample>& sweep,
                   const std::vector<double>& spreads) {
  try {
    const calibrate::LatencyBandwidthFit fit = calibrate::fit_latency_bandwidth(sweep);
    run.note(prefix + "_latency_us", num(fit.latency_s * 1e6));
    run.note(prefix + "_bandwidth_GBps", num(fit.bandwidth_Bps / 1e9));
    run.note(prefix + "_r_squared", num(fit.r_squared));
  } catch (const std::invalid_argument& e) { run.note(prefix + "_fit", std::string("failed: ") + e.what()); }
  std::size_t largest = 0;
  for (std::size_t i = 1; i < sweep.size(); ++i)
    if (sweep[i].bytes > sweep[largest].bytes) largest = i;
  run.note(prefix + "_plateau_GBps", num(sweep[largest].bytes / sweep[largest].seconds / 1e9));
  run.note(prefix + "_plateau_spread", num(spreads[largest]));
}

}  // namespace clustersim::gpu_probe
