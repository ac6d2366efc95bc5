// SPDX-License-Identifier: Apache-2.0
// The latency/bandwidth fit recovers known α and B from synthetic sweeps.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "calibrate/latency_bandwidth_fit.hpp"

using namespace clustersim::calibrate;

namespace {

/// t = α + S/B over 8 B to 1 GiB in powers of two, each time scaled by (1 + noise·u), u in [-1, 1]
/// from a fixed seed, so the test is the same on every run.
std::vector<Sample> sweep(double alpha, double bandwidth, double noise) {
  std::mt19937 random(42);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<Sample> samples;
  for (double bytes = 8; bytes <= double(1 << 30); bytes *= 2)
    samples.push_back({bytes, (alpha + bytes / bandwidth) * (1 + noise * u(random))});
  return samples;
}

}  // namespace

TEST_CASE("calibrate: an exact sweep gives back its latency and bandwidth", "[calibrate][physics]") {
  const auto fit = fit_latency_bandwidth(sweep(5e-6, 100e9, 0));
  CHECK(fit.latency_s == Approx(5e-6).epsilon(1e-9));
  CHECK(fit.bandwidth_Bps == Approx(100e9).epsilon(1e-9));
  CHECK(fit.r_squared == Approx(1).epsilon(1e-12));
}

TEST_CASE("calibrate: a noisy sweep gives them back within 1 %", "[calibrate][physics]") {
  // ±0.5 % noise on every point; a fit weighted by relative error keeps both ends honest.
  const double alpha = GENERATE(2e-6, 20e-6);
  const double bandwidth = GENERATE(25e9, 450e9);
  const auto fit = fit_latency_bandwidth(sweep(alpha, bandwidth, 0.005));
  CHECK(fit.latency_s == Approx(alpha).epsilon(0.01));
  CHECK(fit.bandwidth_Bps == Approx(bandwidth).epsilon(0.01));
  CHECK(fit.r_squared > 0.99);
  for (double r : fit.relative_residuals) CHECK(std::abs(r) < 0.02);
}

TEST_CASE("calibrate: a sweep that cannot be fitted is refused", "[calibrate][errors]") {
  CHECK_THROWS_AS(fit_latency_bandwidth({{1024, 1e-5}, {1024, 1.1e-5}}), std::invalid_argument);
  CHECK_THROWS_AS(fit_latency_bandwidth({{8, 1e-5}, {1 << 20, 0}}), std::invalid_argument);
  CHECK_THROWS_AS(fit_latency_bandwidth({{8, 2e-5}, {1 << 20, 1e-5}}), std::invalid_argument);
}
