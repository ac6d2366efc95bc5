// SPDX-License-Identifier: Apache-2.0
// One block per query row: its threads share the row's max and denominator, read them before any
// thread writes, and each scales its share of the row's numerator. The states are small
// (rows·head_dim floats), so these kernels are launch-bound; accuracy, not speed, picks expf.
#include "kernels/cuda/attention_state.cuh"

#include <cuda_runtime.h>

#include <cmath>

namespace clustersim::kernels::cuda {
namespace {

constexpr int kThreads = 128;

__global__ void rescale_state(float* __restrict__ max, float* __restrict__ denom, float* __restrict__ numer,
                              const float* __restrict__ global_max, int head_dim) {
  const std::size_t row = blockIdx.x;
  const float m = max[row], g = global_max[row];
  const float f = m == -INFINITY ? 0.0f : expf(m - g);
  __syncthreads();  // every thread has read the row's max before thread 0 replaces it
  for (int i = threadIdx.x; i < head_dim; i += blockDim.x) numer[row * head_dim + i] *= f;
  if (threadIdx.x == 0) {
    denom[row] *= f;
    max[row] = g;
  }
}

__global__ void merge_states(float* __restrict__ max, float* __restrict__ denom, float* __restrict__ numer,
                             const float* __restrict__ other_max, const float* __restrict__ other_denom,
                             const float* __restrict__ other_numer, int head_dim) {
  const std::size_t row = blockIdx.x;
  const float a = max[row], b = other_max[row];
  const float m = fmaxf(a, b);
  // exp(−inf − m) is 0 for a side with no keys; with no keys on either side both stay empty.
  const float fa = m == -INFINITY ? 0.0f : expf(a - m);
  const float fb = m == -INFINITY ? 0.0f : expf(b - m);
  __syncthreads();
  for (int i = threadIdx.x; i < head_dim; i += blockDim.x) {
    const std::size_t cell = row * head_dim + i;
    numer[cell] = numer[cell] * fa + other_numer[cell] * fb;
  }
  if (threadIdx.x == 0) {
    denom[row] = denom[row] * fa + other_denom[row] * fb;
    max[row] = m;
  }
}

__global__ void state_output(const float* __restrict__ denom, const float* __restrict__ numer, int head_dim,
                             float* __restrict__ out) {
  const std::size_t row = blockIdx.x;
  const float d = denom[row];
  for (int i = threadIdx.x; i < head_dim; i += blockDim.x) {
    const std::size_t cell = row * head_dim + i;
    out[cell] = d > 0.0f ? numer[cell] / d : 0.0f;
  }
}

bool valid(const DeviceAttentionState& s) { return s.max && s.denom && s.numer; }

}  // namespace

cudaError_t launch_rescale_state(const DeviceAttentionState& state, const float* global_max, std::size_t rows,
                                 int head_dim, cudaStream_t stream) {
  if (!valid(state) || !global_max || head_dim < 1) return cudaErrorInvalidValue;
  if (rows == 0) return cudaSuccess;
  rescale_state<<<static_cast<unsigned>(rows), kThreads, 0, stream>>>(state.max, state.denom, state.numer, global_max,
                                                                      head_dim);
  return cudaGetLastError();
}

cudaError_t launch_merge_states(const DeviceAttentionState& into, const DeviceAttentionState& other, std::size_t rows,
                                int head_dim, cudaStream_t stream) {
  if (!valid(into) || !valid(other) || head_dim < 1) return cudaErrorInvalidValue;
  if (rows == 0) return cudaSuccess;
  merge_states<<<static_cast<unsigned>(rows), kThreads, 0, stream>>>(into.max, into.denom, into.numer, other.max,
                                                                     other.denom, other.numer, head_dim);
  return cudaGetLastError();
}

cudaError_t launch_state_output(const DeviceAttentionState& state, std::size_t rows, int head_dim, float* out,
                                cudaStream_t stream) {
  if (!valid(state) || !out || head_dim < 1) return cudaErrorInvalidValue;
  if (rows == 0) return cudaSuccess;
  state_output<<<static_cast<unsigned>(rows), kThreads, 0, stream>>>(state.denom, state.numer, head_dim, out);
  return cudaGetLastError();
}

}  // namespace clustersim::kernels::cuda
