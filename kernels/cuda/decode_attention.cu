// SPDX-License-Identifier: Apache-2.0
// Split-KV decode attention. The kernel is bound by reading K and V, so every thread loads 16 bytes
// (8 elements) of a key row at a time, D/8 threads share one key row, and each thread issues the
// loads of kUnroll keys before using any, to keep enough bytes in flight. Each group of D/8 threads
// (a "slot") keeps its own online-softmax state over the keys it reads; the block folds its slots'
// states together at the end, and phase 2 folds the blocks' states of one row together.
#include "kernels/cuda/decode_attention.cuh"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace clustersim::kernels::cuda {
namespace {

constexpr int kThreads = 128;
// Query heads of one KV head scored per block: their q rows live in registers. Wider GQA groups
// take several blocks per KV head (each re-reading the range) rather than more registers.
constexpr int kHeadsPerBlock = 4;
constexpr int kUnroll = 4;
constexpr int kVector = 8;  // 16-bit elements in one 16-byte load
// Below this a range's partial-state write (kHeadsPerBlock·D floats) is no longer small next to
// its keys' bytes, so short contexts use fewer blocks instead of more splits.
constexpr std::int64_t kMinTokensPerSplit = 256;

__device__ inline void unpack(const uint4& raw, float (&out)[kVector], __nv_bfloat16) {
  const auto* pairs = reinterpret_cast<const __nv_bfloat162*>(&raw);
#pragma unroll
  for (int j = 0; j < kVector / 2; ++j) {
    const float2 f = __bfloat1622float2(pairs[j]);
    out[2 * j] = f.x;
    out[2 * j + 1] = f.y;
  }
}

__device__ inline void unpack(const uint4& raw, float (&out)[kVector], __half) {
  const auto* pairs = reinterpret_cast<const __half2*>(&raw);
#pragma unroll
  for (int j = 0; j < kVector / 2; ++j) {
    const float2 f = __half22float2(pairs[j]);
    out[2 * j] = f.x;
    out[2 * j + 1] = f.y;
  }
}

int head_chunks(const DecodeShape& shape) {
  const int group = shape.heads / shape.kv_heads;
  return (group + kHeadsPerBlock - 1) / kHeadsPerBlock;
}

/// Blocks per split: one per (sequence, KV head, chunk of its query heads).
std::int64_t row_blocks(const DecodeShape& shape) {
  return static_cast<std::int64_t>(shape.batch) * shape.kv_heads * head_chunks(shape);
}

bool supported(const DecodeShape& shape) {
  return shape.batch >= 1 && shape.heads >= 1 && shape.kv_heads >= 1 && shape.tokens >= 0 &&
         shape.heads % shape.kv_heads == 0 && decode_attention_supports(shape.head_dim) &&
         row_blocks(shape) <= 65535;  // gridDim.y
}

/// Phase 1: block (split, row block) writes the state of its ≤ kHeadsPerBlock query heads over
/// the split's keys to range_* [row][split] (numer [row][split][D]).
template <typename T, int D>
__global__ void __launch_bounds__(kThreads)
    split_kv_partials(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v, int heads,
                      int kv_heads, SplitKvPlan plan, float scale, float* __restrict__ range_max,
                      float* __restrict__ range_denom, float* __restrict__ range_numer) {
  constexpr int kLanes = D / kVector;        // threads sharing one key row
  constexpr int kSlots = kThreads / kLanes;  // keys one block step reads
  static_assert(kLanes <= 32 && 32 % kLanes == 0, "a key row's lanes must sit inside one warp");

  const int group = heads / kv_heads;
  const int chunks = (group + kHeadsPerBlock - 1) / kHeadsPerBlock;
  const int split = blockIdx.x;
  const int chunk = blockIdx.y % chunks;
  const int kvh = (blockIdx.y / chunks) % kv_heads;
  const int b = blockIdx.y / (chunks * kv_heads);
  const int head0 = kvh * group + chunk * kHeadsPerBlock;
  const int n_heads = min(kHeadsPerBlock, group - chunk * kHeadsPerBlock);  // the same for the whole block
  const int slot = threadIdx.x / kLanes;
  const int lane = threadIdx.x % kLanes;

  float qf[kHeadsPerBlock][kVector];
  float m[kHeadsPerBlock], l[kHeadsPerBlock], acc[kHeadsPerBlock][kVector];
#pragma unroll
  for (int h = 0; h < kHeadsPerBlock; ++h) {
    m[h] = -INFINITY;
    l[h] = 0.0f;
#pragma unroll
    for (int i = 0; i < kVector; ++i) {
      qf[h][i] = 0.0f;
      acc[h][i] = 0.0f;
    }
    if (h < n_heads) {
      const std::size_t row = static_cast<std::size_t>(b) * heads + head0 + h;
      const uint4 raw = *reinterpret_cast<const uint4*>(q + row * D + lane * kVector);
      unpack(raw, qf[h], T{});
#pragma unroll
      for (int i = 0; i < kVector; ++i) qf[h][i] *= scale;
    }
  }

  const TokenRange range = split_tokens(plan, split);
  const std::size_t token_stride = static_cast<std::size_t>(kv_heads) * D;
  const std::size_t offset =
      static_cast<std::size_t>(b) * plan.tokens * token_stride + static_cast<std::size_t>(kvh) * D + lane * kVector;
  const T* k_row = k + offset;
  const T* v_row = v + offset;

  // The trip count depends on the range only, so every lane of a warp takes the shuffles below.
  for (std::int64_t t0 = range.begin; t0 < range.end; t0 += kSlots * kUnroll) {
    uint4 k_raw[kUnroll], v_raw[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const std::int64_t t = t0 + u * kSlots + slot;
      k_raw[u] = make_uint4(0, 0, 0, 0);
      v_raw[u] = make_uint4(0, 0, 0, 0);
      if (t < range.end) {
        k_raw[u] = *reinterpret_cast<const uint4*>(k_row + t * token_stride);
        v_raw[u] = *reinterpret_cast<const uint4*>(v_row + t * token_stride);
      }
    }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const bool valid = t0 + u * kSlots + slot < range.end;
      float kf[kVector], vf[kVector];
      unpack(k_raw[u], kf, T{});
      unpack(v_raw[u], vf, T{});
#pragma unroll
      for (int h = 0; h < kHeadsPerBlock; ++h) {
        if (h >= n_heads) continue;
        float s = 0.0f;
#pragma unroll
        for (int i = 0; i < kVector; ++i) s += qf[h][i] * kf[i];
#pragma unroll
        for (int offset_lane = kLanes / 2; offset_lane > 0; offset_lane /= 2)
          s += __shfl_xor_sync(0xffffffffu, s, offset_lane);
        if (!valid) continue;
        const float m_new = fmaxf(m[h], s);
        const float correction = __expf(m[h] - m_new);  // 0 while the slot has seen no key
        const float w = __expf(s - m_new);
        l[h] = l[h] * correction + w;
#pragma unroll
        for (int i = 0; i < kVector; ++i) acc[h][i] = acc[h][i] * correction + w * vf[i];
        m[h] = m_new;
      }
    }
  }

  // Fold the slots' states: every slot's lane 0 publishes max and denominator, every lane its dims.
  __shared__ float slot_max[kHeadsPerBlock][kSlots];
  __shared__ float slot_denom[kHeadsPerBlock][kSlots];
  __shared__ float slot_numer[kHeadsPerBlock][kSlots][D];
#pragma unroll
  for (int h = 0; h < kHeadsPerBlock; ++h) {
    if (lane == 0) {
      slot_max[h][slot] = m[h];
      slot_denom[h][slot] = l[h];
    }
#pragma unroll
    for (int i = 0; i < kVector; ++i) slot_numer[h][slot][lane * kVector + i] = acc[h][i];
  }
  __syncthreads();
  for (int item = threadIdx.x; item < n_heads * D; item += kThreads) {
    const int h = item / D;
    const int i = item % D;
    float block_max = -INFINITY;
    for (int s = 0; s < kSlots; ++s) block_max = fmaxf(block_max, slot_max[h][s]);
    float denom = 0.0f, numer = 0.0f;
    if (block_max != -INFINITY) {
      for (int s = 0; s < kSlots; ++s) {
        const float f = __expf(slot_max[h][s] - block_max);  // 0 for slots that saw no key
        denom += slot_denom[h][s] * f;
        numer += slot_numer[h][s][i] * f;
      }
    }
    const std::size_t row = static_cast<std::size_t>(b) * heads + head0 + h;
    const std::size_t cell = row * plan.splits + split;
    range_numer[cell * D + i] = numer;
    if (i == 0) {
      range_max[cell] = block_max;
      range_denom[cell] = denom;
    }
  }
}

/// Phase 2: block `row`, thread i folds the row's ranges by log-sum-exp rescaling against their
/// common max; writes out[row][i] and, when state_numer is non-null, the row's state.
__global__ void combine_ranges(int splits, int head_dim, const float* __restrict__ range_max,
                               const float* __restrict__ range_denom, const float* __restrict__ range_numer,
                               float* __restrict__ out, float* __restrict__ state_max, float* __restrict__ state_denom,
                               float* __restrict__ state_numer) {
  const std::size_t row = blockIdx.x;
  const int i = threadIdx.x;
  const float* maxima = range_max + row * splits;
  float row_max = -INFINITY;
  for (int s = 0; s < splits; ++s) row_max = fmaxf(row_max, maxima[s]);
  float denom = 0.0f, numer = 0.0f;
  if (row_max != -INFINITY) {
    for (int s = 0; s < splits; ++s) {
      const float f = expf(maxima[s] - row_max);
      denom += range_denom[row * splits + s] * f;
      numer += range_numer[(row * splits + s) * head_dim + i] * f;
    }
  }
  out[row * head_dim + i] = denom > 0.0f ? numer / denom : 0.0f;
  if (state_numer != nullptr) {
    state_numer[row * head_dim + i] = numer;
    if (i == 0) {
      state_max[row] = row_max;
      state_denom[row] = denom;
    }
  }
}

template <typename T, int D>
cudaError_t launch_partials(const DecodeShape& shape, const void* q, const void* k, const void* v,
                            const SplitKvPlan& plan, float* range_max, float* range_denom, float* range_numer,
                            cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(plan.splits), static_cast<unsigned>(row_blocks(shape)));
  split_kv_partials<T, D><<<grid, kThreads, 0, stream>>>(
      static_cast<const T*>(q), static_cast<const T*>(k), static_cast<const T*>(v), shape.heads, shape.kv_heads, plan,
      1.0f / std::sqrt(static_cast<float>(D)), range_max, range_denom, range_numer);
  return cudaGetLastError();
}

template <int D>
int resident_blocks_per_sm() {
  // Both storage types use the same registers and shared memory; bf16 stands for both.
  int blocks = 0;
  const cudaError_t err =
      cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, split_kv_partials<__nv_bfloat16, D>, kThreads, 0);
  if (err != cudaSuccess)
    throw std::runtime_error(std::string("decode attention: occupancy query failed: ") + cudaGetErrorString(err));
  return blocks;
}

bool aligned16(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; }

}  // namespace

bool decode_attention_supports(int head_dim) { return head_dim == 64 || head_dim == 128; }

SplitKvPlan plan_decode_attention(const DecodeShape& shape, int sm_count) {
  if (!supported(shape) || sm_count < 1)
    throw std::invalid_argument(
        "decode attention: unsupported shape (head_dim 64 or 128, heads a multiple of "
        "kv_heads, batch·kv_heads·⌈group/4⌉ ≤ 65535) or no multiprocessor");
  const int resident = shape.head_dim == 64 ? resident_blocks_per_sm<64>() : resident_blocks_per_sm<128>();
  return plan_split_kv(shape.tokens, row_blocks(shape), static_cast<std::int64_t>(sm_count) * resident,
                       kMinTokensPerSplit);
}

std::size_t decode_attention_workspace_bytes(const DecodeShape& shape, const SplitKvPlan& plan) {
  return shape.rows() * static_cast<std::size_t>(plan.splits) * (2 + static_cast<std::size_t>(shape.head_dim)) *
         sizeof(float);
}

cudaError_t launch_decode_attention(const DecodeShape& shape, StorageType type, const void* q, const void* k,
                                    const void* v, const SplitKvPlan& plan, void* workspace,
                                    std::size_t workspace_bytes, float* out, const DeviceAttentionState* state,
                                    cudaStream_t stream) {
  // The plan must cover every key (splits·per_split ≥ tokens) and leave no range empty.
  if (!supported(shape) || plan.tokens != shape.tokens || plan.splits < 1 || plan.tokens_per_split < 1 ||
      static_cast<std::int64_t>(plan.splits) * plan.tokens_per_split < plan.tokens ||
      static_cast<std::int64_t>(plan.splits - 1) * plan.tokens_per_split >= std::max<std::int64_t>(1, plan.tokens) ||
      workspace_bytes < decode_attention_workspace_bytes(shape, plan) || !aligned16(q) || !aligned16(k) ||
      !aligned16(v) || (state != nullptr && (!state->max || !state->denom || !state->numer)))
    return cudaErrorInvalidValue;
  const std::size_t cells = shape.rows() * static_cast<std::size_t>(plan.splits);
  float* range_max = static_cast<float*>(workspace);
  float* range_denom = range_max + cells;
  float* range_numer = range_denom + cells;

  cudaError_t err = cudaSuccess;
  if (type == StorageType::bf16)
    err = shape.head_dim == 64
              ? launch_partials<__nv_bfloat16, 64>(shape, q, k, v, plan, range_max, range_denom, range_numer, stream)
              : launch_partials<__nv_bfloat16, 128>(shape, q, k, v, plan, range_max, range_denom, range_numer, stream);
  else
    err = shape.head_dim == 64
              ? launch_partials<__half, 64>(shape, q, k, v, plan, range_max, range_denom, range_numer, stream)
              : launch_partials<__half, 128>(shape, q, k, v, plan, range_max, range_denom, range_numer, stream);
  if (err != cudaSuccess) return err;
  combine_ranges<<<static_cast<unsigned>(shape.rows()), shape.head_dim, 0, stream>>>(
      plan.splits, shape.head_dim, range_max, range_denom, range_numer, out, state ? state->max : nullptr,
      state ? state->denom : nullptr, state ? state->numer : nullptr);
  return cudaGetLastError();
}

}  // namespace clustersim::kernels::cuda
