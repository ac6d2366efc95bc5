// SPDX-License-Identifier: Apache-2.0
// A device-to-device copy kernel: the HBM bandwidth a streaming kernel reaches, which is what the
// simulator's memory-bound kernels are charged against (cudaMemcpy D2D may use copy engines and
// is measured beside it). Host-only declarations: includable from plain C++.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>

namespace clustersim::kernels::cuda {

/// Enqueues a copy of `bytes` from `src` to `dst` (device memory, not overlapping, both 16-byte
/// aligned) on `stream`, with enough resident threads for `sm_count` multiprocessors.
/// Returns the launch error, cudaErrorInvalidValue for misaligned pointers.
cudaError_t launch_hbm_copy(void* dst, const void* src, std::size_t bytes, int sm_count, cudaStream_t stream);

}  // namespace clustersim::kernels::cuda
