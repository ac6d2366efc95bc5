// SPDX-License-Identifier: Apache-2.0
// Combining shards' softmax states on the GPU, so that multi-GPU tree and ring attention keep
// their partials on the device: tree rescales each shard's state against the allreduced max
// before summing numerators and denominators; ring merges each arriving shard's state into its
// running one; both end with numer / denom. The same math as kernels/cpu/decode_attention.hpp
// (rescale_partials, merge_partials, attention_output). Host-only declarations: includable from
// plain C++.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>

#include "kernels/cuda/decode_attention.cuh"

namespace clustersim::kernels::cuda {

/// Re-expresses `state` against `global_max` [rows] (≥ every row's max): numer and denom ×
/// exp(max − global_max), max = global_max; a row with no keys (max −inf) stays at zero sums.
cudaError_t launch_rescale_state(const DeviceAttentionState& state, const float* global_max, std::size_t rows,
                                 int head_dim, cudaStream_t stream);

/// Folds `other` into `into` by log-sum-exp: the state over the union of their keys.
cudaError_t launch_merge_states(const DeviceAttentionState& into, const DeviceAttentionState& other, std::size_t rows,
                                int head_dim, cudaStream_t stream);

/// out [rows·head_dim] = numer / denom, 0 for a row with no keys.
cudaError_t launch_state_output(const DeviceAttentionState& state, std::size_t rows, int head_dim, float* out,
                                cudaStream_t stream);

}  // namespace clustersim::kernels::cuda
