// SPDX-License-Identifier: Apache-2.0
// Destructors ignore errors: after a failed kernel every CUDA call reports the same sticky error,
// which the failing step has already reported.
#include "kernels/cuda/cuda_resources.hpp"

namespace clustersim::kernels::cuda {

void check_cuda(cudaError_t err, const std::string& what) {
  if (err != cudaSuccess) throw GpuError(what + ": " + cudaGetErrorString(err));
}

DeviceBuffer::DeviceBuffer(std::size_t bytes) {
  check_cuda(cudaMalloc(&data_, bytes == 0 ? 16 : bytes), "cudaMalloc of " + std::to_string(bytes) + " bytes");
}
DeviceBuffer::~DeviceBuffer() { cudaFree(data_); }

PinnedBuffer::PinnedBuffer(std::size_t bytes) {
  check_cuda(cudaMallocHost(&data_, bytes == 0 ? 16 : bytes), "cudaMallocHost of " + std::to_string(bytes) + " bytes");
}
PinnedBuffer::~PinnedBuffer() { cudaFreeHost(data_); }

Stream::Stream() { check_cuda(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate"); }
Stream::~Stream() { cudaStreamDestroy(stream_); }

Event::Event() { check_cuda(cudaEventCreate(&event_), "cudaEventCreate"); }
Event::~Event() {
  if (event_ != nullptr) cudaEventDestroy(event_);
}

}  // namespace clustersim::kernels::cuda
