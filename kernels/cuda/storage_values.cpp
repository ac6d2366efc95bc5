// SPDX-License-Identifier: Apache-2.0
#include "kernels/cuda/storage_values.hpp"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>

#include "kernels/cpu/decode_attention.hpp"
#include "kernels/cuda/cuda_resources.hpp"

namespace clustersim::kernels::cuda {

std::vector<std::uint16_t> to_storage(const std::vector<float>& values, StorageType type) {
  std::vector<std::uint16_t> bits(values.size());
  for (std::size_t i = 0; i < values.size(); ++i)
    bits[i] = type == StorageType::bf16 ? static_cast<__nv_bfloat16_raw>(__float2bfloat16_rn(values[i])).x
                                        : static_cast<__half_raw>(__float2half_rn(values[i])).x;
  return bits;
}

std::vector<float> from_storage(const std::vector<std::uint16_t>& bits, StorageType type) {
  std::vector<float> values(bits.size());
  for (std::size_t i = 0; i < bits.size(); ++i)
    values[i] = type == StorageType::bf16 ? __bfloat162float(__nv_bfloat16(__nv_bfloat16_raw{bits[i]}))
                                          : __half2float(__half(__half_raw{bits[i]}));
  return values;
}

void round_to_storage(std::vector<float>& values, StorageType type) {
  for (float& x : values)
    x = type == StorageType::bf16 ? __bfloat162float(__float2bfloat16_rn(x)) : __half2float(__float2half_rn(x));
}

void fill_device_random(void* device, std::size_t elements, StorageType type, std::uint64_t seed) {
  constexpr std::size_t kTile = std::size_t{1} << 22;  // 8 MiB of values
  std::vector<float> values(std::min(kTile, elements));
  fill_uniform(values.data(), values.size(), seed);
  const std::vector<std::uint16_t> tile = to_storage(values, type);
  auto* dst = static_cast<std::uint16_t*>(device);
  for (std::size_t done = 0; done < elements; done += tile.size()) {
    const std::size_t n = std::min(tile.size(), elements - done);
    check_cuda(cudaMemcpy(dst + done, tile.data(), n * 2, cudaMemcpyHostToDevice), "filling a device buffer");
  }
}

}  // namespace clustersim::kernels::cuda
