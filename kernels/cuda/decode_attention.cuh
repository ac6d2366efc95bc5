// SPDX-License-Identifier: Apache-2.0
// The GPU decode-attention kernel, split-KV (flash-decoding): phase 1 gives each thread block one
// contiguous key range of one (sequence, KV head) and leaves the softmax state of the query heads
// sharing that KV head (GQA) over the range; phase 2 combines the ranges' states by log-sum-exp
// rescaling into the output and, on request, into the whole shard's state — the same
// AttentionPartials math as kernels/cpu/decode_attention.hpp, so tree attention across GPUs can
// combine shards exactly as the CPU ranks do.
// Layout as the CPU kernel, row-major: q [batch][heads][head_dim]; K, V [batch][tokens][kv_heads][head_dim],
// stored in bf16 or fp16; scores, softmax and sums in fp32; output and state in fp32.
// Host-only declarations: includable from plain C++.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>

#include "kernels/cpu/decode_attention.hpp"
#include "kernels/cuda/split_kv_plan.hpp"

namespace clustersim::kernels::cuda {

enum class StorageType { bf16, fp16 };

/// Device pointers to the softmax state of a shard, laid out as AttentionPartials:
/// max and denom [batch·heads], numer [batch·heads·head_dim].
struct DeviceAttentionState {
  float* max = nullptr;
  float* denom = nullptr;
  float* numer = nullptr;
};

/// True for the head dims the kernel is compiled for (64 and 128).
bool decode_attention_supports(int head_dim);

/// Splits that fill one wave of `sm_count` multiprocessors at the kernel's occupancy.
/// Throws std::invalid_argument for a shape the kernel does not support (see DecodeShape and
/// decode_attention_supports), std::runtime_error when the occupancy query fails.
SplitKvPlan plan_decode_attention(const DecodeShape& shape, int sm_count);

/// Device scratch a launch with `plan` needs: the per-range states.
std::size_t decode_attention_workspace_bytes(const DecodeShape& shape, const SplitKvPlan& plan);

/// Enqueues both phases on `stream`. `out` [batch·heads·head_dim] receives numer/denom (0 for rows
/// with no keys); when `state` is non-null it also receives the shard's state (max −inf and zero
/// sums for rows with no keys). q, k, v in `type`; all pointers 16-byte aligned; plan.tokens ==
/// shape.tokens. Returns the launch error, cudaErrorInvalidValue for an unsupported shape.
cudaError_t launch_decode_attention(const DecodeShape& shape, StorageType type, const void* q, const void* k,
                                    const void* v, const SplitKvPlan& plan, void* workspace,
                                    std::size_t workspace_bytes, float* out, const DeviceAttentionState* state,
                                    cudaStream_t stream);

}  // namespace clustersim::kernels::cuda
