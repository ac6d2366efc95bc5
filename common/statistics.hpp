// SPDX-License-Identifier: Apache-2.0
// Summary statistics of repeated timings, shared by calibration, live runs and validation.
#pragma once

#include <algorithm>
#include <vector>

namespace clustersim {

/// The middle value (the mean of the two middle ones for an even count). Requires: a value.
inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace clustersim
