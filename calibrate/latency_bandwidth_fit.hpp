// SPDX-License-Identifier: Apache-2.0
// Fitting a link's latency and bandwidth, t(S) = α + S / B, to a sweep of measured message
// times — the step that turns a calibration sweep (NCCL, MPI, host-device copies) into the
// per-link-class figures the simulator uses.
#pragma once

#include <vector>

namespace clustersim::calibrate {

/// One point of a sweep: a message size and the time it took.
struct Sample {
  double bytes = 0;
  double seconds = 0;
};

struct LatencyBandwidthFit {
  double latency_s = 0;                    ///< α
  double bandwidth_Bps = 0;                ///< B
  double r_squared = 0;                    ///< of the weighted fit, 1 = perfect
  std::vector<double> relative_residuals;  ///< (measured - fitted) / measured, per sample
};

/// Least squares of t = α + S/B weighted by 1/t², so that every size counts by its relative
/// error: small messages pin α, large ones B, over a sweep spanning 8 B to 1 GiB.
/// Requires: at least two distinct sizes and positive times.
/// Throws: std::invalid_argument otherwise, or when the fit gives a non-positive bandwidth.
LatencyBandwidthFit fit_latency_bandwidth(const std::vector<Sample>& sweep);

}  // namespace clustersim::calibrate
