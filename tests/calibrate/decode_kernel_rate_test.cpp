// SPDX-License-Identifier: Apache-2.0
// The decode kernel's rate as validate sets it beside the profile: a timed call against what the
// profile says of that size, and the profile scaled to that rate predicting the call's time.
#include <catch2/catch.hpp>

#include <cmath>

#include "calibrate/calibration.hpp"
#include "model/device_profile.hpp"

using namespace clustersim;
using Catch::Matchers::WithinRel;

TEST_CASE("a timed decode kernel is set against the profile's rate at its size, net of the launch", "[calibrate]") {
  const model::DeviceProfile profile = model::load_device_profile("tests/fixtures/cpu_measured.yaml");
  const double bytes = 5e6, seconds = 1e-3;
  const results::RateRecheck rate = calibrate::decode_kernel_rate(profile, bytes, seconds);
  // The fixture's curve, linear in log(size) between (1e5, 0.6) and (1e7, 0.8); 10 GB/s; 1 µs launch.
  const double efficiency = 0.6 + 0.2 * (std::log10(bytes) - 5) / 2;
  CHECK_THAT(rate.profile_Bps, WithinRel(10e9 * efficiency, 1e-9));
  CHECK_THAT(rate.now_Bps, WithinRel(bytes / (seconds - 1e-6), 1e-12));
  CHECK(rate.bytes == bytes);
  CHECK_THAT(rate.change_percent(), WithinRel(100 * (rate.now_Bps / rate.profile_Bps - 1), 1e-12));

  // The profile's memory bandwidth scaled by now / profile (what validate's predicted* does): the
  // kernel model then takes the time that was measured, as long as memory bounds the kernel.
  model::DeviceProfile scaled = profile;
  scaled.hbm_bandwidth.value *= rate.now_Bps / rate.profile_Bps;
  CHECK_THAT(scaled.kernel_time(0, bytes, model::DType::fp32), WithinRel(seconds, 1e-12));
}
