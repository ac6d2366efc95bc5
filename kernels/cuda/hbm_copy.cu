// SPDX-License-Identifier: Apache-2.0
// Grid-stride copy in 16-byte vectors; each thread issues four loads before its four stores so
// that a thread keeps more than one load in flight.
#include "kernels/cuda/hbm_copy.cuh"

#include <cuda_runtime.h>

#include <cstdint>

namespace clustersim::kernels::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int kBlocksPerSm = 8;  // 2048 threads: a full multiprocessor on sm_80 and sm_90
constexpr int kUnroll = 4;

__global__ void __launch_bounds__(kThreads)
    copy_vectors(uint4* __restrict__ dst, const uint4* __restrict__ src, std::size_t vectors) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  for (; i + (kUnroll - 1) * stride < vectors; i += kUnroll * stride) {
    uint4 held[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) held[u] = src[i + u * stride];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) dst[i + u * stride] = held[u];
  }
  for (; i < vectors; i += stride) dst[i] = src[i];
}

/// The last bytes % 16 bytes, one thread each.
__global__ void copy_tail(unsigned char* __restrict__ dst, const unsigned char* __restrict__ src, int bytes) {
  if (static_cast<int>(threadIdx.x) < bytes) dst[threadIdx.x] = src[threadIdx.x];
}

}  // namespace

cudaError_t launch_hbm_copy(void* dst, const void* src, std::size_t bytes, int sm_count, cudaStream_t stream) {
  if (reinterpret_cast<std::uintptr_t>(dst) % 16 != 0 || reinterpret_cast<std::uintptr_t>(src) % 16 != 0 ||
      sm_count < 1)
    return cudaErrorInvalidValue;
  const std::size_t vectors = bytes / 16;
  if (vectors > 0) {
    copy_vectors<<<sm_count * kBlocksPerSm, kThreads, 0, stream>>>(static_cast<uint4*>(dst),
                                                                   static_cast<const uint4*>(src), vectors);
    if (const cudaError_t err = cudaGetLastError(); err != cudaSuccess) return err;
  }
  const int tail = static_cast<int>(bytes % 16);
  if (tail > 0) {
    copy_tail<<<1, 16, 0, stream>>>(static_cast<unsigned char*>(dst) + vectors * 16,
                                    static_cast<const unsigned char*>(src) + vectors * 16, tail);
    return cudaGetLastError();
  }
  return cudaSuccess;
}

}  // namespace clustersim::kernels::cuda
