// SPDX-License-Identifier: Apache-2.0
// DType names and element sizes.
#include "model/dtype.hpp"

namespace clustersim::model {

double bytes_of(DType dtype) {
  switch (dtype) {
    case DType::fp32: return 4;
    case DType::bf16: return 2;
    case DType::fp16: return 2;
    case DType::fp8: return 1;
  }
  return 0;
}

const char* to_string(DType dtype) {
  switch (dtype) {
    case DType::fp32: return "fp32";
    case DType::bf16: return "bf16";
    case DType::fp16: return "fp16";
    case DType::fp8: return "fp8";
  }
  return "?";
}

std::optional<DType> dtype_from_string(const std::string& text) {
  for (DType d : {DType::fp32, DType::bf16, DType::fp16, DType::fp8})
    if (text == to_string(d)) return d;
  return std::nullopt;
}

std::vector<std::string> dtype_names() { return {"fp32", "bf16", "fp16", "fp8"}; }

}  // namespace clustersim::model
