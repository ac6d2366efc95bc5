// SPDX-License-Identifier: Apache-2.0
// Destructors ignore errors: after a failed kernel every CUDA call reports the same sticky error,
// which the failing step has already reported.
#include "kernels/cuda/cuda_resources.hpp"

namespace clustersim::kernels::cuda {

void check_cuda(cudaError_t err, const std::string& what) {
  if (err != cudaSuccess) throw GpuError(what + ": " + cudaGetErrorString(err));
}

template <Memory kind>
Buffer<kind>::Buffer(std::size_t bytes) {
  const std::size_t size = bytes == 0 ? 16 : bytes;
  if constexpr (kind == Memory::device)
    check_cuda(cudaMalloc(&data_, size), "cudaMalloc of " + std::to_string(bytes) + " bytes");
  else check_cuda(cudaMallocHost(&data_, size), "cudaMallocHost of " + std::to_string(bytes) + " bytes");
}

template <Memory kind>
Buffer<kind>::~Buffer() {
  if constexpr (kind == Memory::device) cudaFree(data_);
  else cudaFreeHost(data_);
}

template class Buffer<Memory::device>;
template class Buffer<Memory::pinned_host>;

Stream::Stream() { check_cuda(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate"); }
Stream::~Stream() { cudaStreamDestroy(stream_); }

Event::Event() { check_cuda(cudaEventCreate(&event_), "cudaEventCreate"); }
Event::~Event() {
  if (event_ != nullptr) cudaEventDestroy(event_);
}

}  // namespace clustersim::kernels::cuda
