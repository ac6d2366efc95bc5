// SPDX-License-Identifier: Apache-2.0
// Owning handles for the CUDA objects the GPU programs (the calibration probe, the live GPU
// ranks) allocate, so that a step failing half-way frees what it took, and the one error type
// their CUDA and NCCL calls throw. Host-only: includable from plain C++.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <stdexcept>
#include <string>

namespace clustersim::kernels::cuda {

/// What a GPU program's step throws when it cannot finish: a failed CUDA, cuBLAS or NCCL call,
/// a result that failed its check, an output it could not write.
class GpuError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Throws GpuError naming `what` and CUDA's message unless `err` is cudaSuccess.
void check_cuda(cudaError_t err, const std::string& what);

/// Where a Buffer's memory lives: on the device current at construction (cudaMalloc), or in
/// page-locked host memory (cudaMallocHost), which DMA engines copy at full speed.
enum class Memory { device, pinned_host };

/// Owned memory of one kind.
template <Memory kind>
class Buffer {
 public:
  explicit Buffer(std::size_t bytes);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  void* get() const { return data_; }
  template <typename T>
  T* as() const {
    return static_cast<T*>(data_);
  }

 private:
  void* data_ = nullptr;
};

using DeviceBuffer = Buffer<Memory::device>;
using PinnedBuffer = Buffer<Memory::pinned_host>;

/// A non-blocking stream on the device current at construction.
class Stream {
 public:
  Stream();
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  cudaStream_t get() const { return stream_; }

 private:
  cudaStream_t stream_ = nullptr;
};

/// An event on the device current at construction (timing, or ordering two streams).
class Event {
 public:
  Event();
  ~Event();
  Event(Event&& other) noexcept : event_(other.event_) { other.event_ = nullptr; }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  cudaEvent_t get() const { return event_; }

 private:
  cudaEvent_t event_ = nullptr;
};

}  // namespace clustersim::kernels::cuda
