// SPDX-License-Identifier: Apache-2.0
// One quantity measured several times: calibration reports its median and how far the
// repetitions disagree, so that a noisy figure is seen as noisy rather than silently used.
#pragma once

#include <functional>
#include <vector>

namespace clustersim::calibrate {

struct Repeated {
  std::vector<double> values;  ///< one per repetition, in the order measured

  /// Requires: at least one value.
  double median() const;
  /// (max − min) / |median|: 0 when the repetitions agree; a figure above 0.10 is flagged.
  double spread() const;
  /// The same repetitions through `f` (e.g. a time turned into a rate), so the spread is that
  /// of the derived figure.
  Repeated map(const std::function<double(double)>& f) const;
};

}  // namespace clustersim::calibrate
