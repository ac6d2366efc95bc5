// SPDX-License-Identifier: Apache-2.0
// DType: the element types a workload can be stored or computed in, and their sizes.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace clustersim::model {

enum class DType { fp32, bf16, fp16, fp8 };

/// Bytes per element: 4, 2, 2, 1.
double bytes_of(DType dtype);
const char* to_string(DType dtype);
std::optional<DType> dtype_from_string(const std::string& text);
std::vector<std::string> dtype_names();

}  // namespace clustersim::model
