// SPDX-License-Identifier: Apache-2.0
#include "calibrate/repeated.hpp"

#include "common/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace clustersim::calibrate {

double Repeated::median() const {
  if (values.empty()) throw std::logic_error("median of no repetitions");
  return clustersim::median(values);
}

double Repeated::spread() const {
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  const double mid = std::abs(median());
  return mid > 0 ? (*hi - *lo) / mid : 0.0;
}

Repeated Repeated::map(const std::function<double(double)>& f) const {
  Repeated out;
  out.values.reserve(values.size());
  for (double v : values) out.values.push_back(f(v));
  return out;
}

}  // namespace clustersim::calibrate
