// SPDX-License-Identifier: Apache-2.0
// Summary figures of one copy sweep: the α/β fit (t = α + S/B) and the plateau at the largest size.
#pragma once

#include <string>
#include <vector>

#include "calibrate/latency_bandwidth_fit.hpp"
#include "programs/gpu_probe/probe_run.hpp"

namespace clustersim::gpu_probe {

/// Adds <prefix>_latency_us, _bandwidth_GBps, _r_squared (or <prefix>_fit=failed: why) and
/// <prefix>_plateau_GBps, <prefix>_plateau_spread from the sample with the largest size.
/// `spreads` holds each sample's relative spread. Requires: sweep not empty, spreads the same size.
void note_link_fit(ProbeRun& run, const std::string& prefix, const std::vector<calibrate::Sample>& sweep,
                   const std::vector<double>& spreads);

}  // namespace clustersim::gpu_probe
