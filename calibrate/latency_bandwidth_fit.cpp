// SPDX-License-Identifier: Apache-2.0
// Weighted linear least squares for t = α + β·S (β = 1/B) through the 2x2 normal equations.
#include "calibrate/latency_bandwidth_fit.hpp"

#include <set>
#include <stdexcept>

namespace clustersim::calibrate {

LatencyBandwidthFit fit_latency_bandwidth(const std::vector<Sample>& sweep) {
  std::set<double> sizes;
  for (const Sample& s : sweep) {
    if (!(s.seconds > 0) || s.bytes < 0)
      throw std::invalid_argument("fit: times must be positive and sizes not negative");
    sizes.insert(s.bytes);
  }
  if (sizes.size() < 2) throw std::invalid_argument("fit: the sweep needs at least two distinct sizes");
  // Minimise Σ w (t - α - β S)², w = 1/t².
  double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const Sample& s : sweep) {
    const double w = 1 / (s.seconds * s.seconds);
    sw += w;
    sx += w * s.bytes;
    sy += w * s.seconds;
    sxx += w * s.bytes * s.bytes;
    sxy += w * s.bytes * s.seconds;
  }
  const double det = sw * sxx - sx * sx;
  const double beta = (sw * sxy - sx * sy) / det;
  const double alpha = (sy - beta * sx) / sw;
  if (!(beta > 0)) throw std::invalid_argument("fit: the sweep does not grow with size (no positive bandwidth)");
  LatencyBandwidthFit fit{.latency_s = alpha, .bandwidth_Bps = 1 / beta};
  const double mean = sy / sw;
  double residual = 0, total = 0;
  for (const Sample& s : sweep) {
    const double w = 1 / (s.seconds * s.seconds);
    const double fitted = alpha + beta * s.bytes;
    residual += w * (s.seconds - fitted) * (s.seconds - fitted);
    total += w * (s.seconds - mean) * (s.seconds - mean);
    fit.relative_residuals.push_back((s.seconds - fitted) / s.seconds);
  }
  fit.r_squared = total > 0 ? 1 - residual / total : 1;
  return fit;
}

}  // namespace clustersim::calibrate
