// SPDX-License-Identifier: Apache-2.0
// The terminal table of `clustersim validate`: each case predicted and measured, the error, and
// the drift of the kernel and the link while it ran.
#pragma once

#include <string>

#include "schemas/comparison.hpp"

namespace clustersim::reports {

/// The whole table, header to footer, ending in a newline.
std::string format_comparison_table(const results::Comparison& comparison);

}  // namespace clustersim::reports
