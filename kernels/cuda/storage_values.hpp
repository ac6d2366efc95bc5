// SPDX-License-Identifier: Apache-2.0
// bf16 and fp16 values on the host (for the reference check: the kernel and the reference see the
// same rounded inputs) and random-filled device buffers (for timing: values, not zeros, so no
// path is faster on trivial data).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/cuda/decode_attention.cuh"

namespace clustersim::kernels::cuda {

/// Rounds each value to the storage type (nearest even), as bit patterns.
std::vector<std::uint16_t> to_storage(const std::vector<float>& values, StorageType type);

/// The exact float value of each stored pattern.
std::vector<float> from_storage(const std::vector<std::uint16_t>& bits, StorageType type);

/// Replaces each value by what it becomes when stored (the reference's view of the inputs), in
/// place: no second copy of a whole cache.
void round_to_storage(std::vector<float>& values, StorageType type);

/// Fills `elements` 16-bit values at `device` with uniform values in [−1, 1), repeating one host
/// tile. Throws GpuError on a CUDA error.
void fill_device_random(void* device, std::size_t elements, StorageType type, std::uint64_t seed);

}  // namespace clustersim::kernels::cuda
