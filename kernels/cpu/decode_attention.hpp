// SPDX-License-Identifier: Apache-2.0
// The CPU decode-attention kernel: one new query token per sequence attends over a shard of the
// KV cache and leaves its softmax state (running max, denominator, unnormalised numerator), so
// shards can be combined exactly — by three allreduces (tree attention) or by merging as shards
// arrive (ring attention). Calibration times this kernel; CPU live runs execute it.
// Layout, fp32, row-major: q [batch][heads][head_dim]; K and V [batch][tokens][kv_heads][head_dim].
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace clustersim::kernels {

struct DecodeShape {
  int batch = 1;
  int heads = 1;  ///< query heads, a multiple of kv_heads (GQA)
  int kv_heads = 1;
  int head_dim = 128;
  std::int64_t tokens = 0;  ///< keys in this shard

  std::size_t rows() const { return static_cast<std::size_t>(batch) * heads; }  ///< query rows
  std::size_t query_elements() const { return rows() * head_dim; }
  /// Elements of K (the same for V).
  std::size_t key_elements() const { return static_cast<std::size_t>(batch) * tokens * kv_heads * head_dim; }
  /// Bytes the kernel must read: K, V and q (fp32).
  double bytes_read() const { return 4.0 * (2.0 * key_elements() + query_elements()); }
};

/// Softmax state of every query row over the keys seen so far: for row r with scores s_t,
/// max[r] = max_t s_t, denom[r] = Σ exp(s_t − max[r]), numer[r·d + i] = Σ exp(s_t − max[r])·v_t[i].
/// A row with no keys has max = −inf and zero sums.
struct AttentionPartials {
  std::vector<float> max;
  std::vector<float> denom;
  std::vector<float> numer;

  /// Sized for `shape`, with no keys seen.
  explicit AttentionPartials(const DecodeShape& shape);
  AttentionPartials() = default;
};

/// Scores are q·k/√head_dim. Overwrites `out` with the state over this shard's keys.
/// Requires: heads % kv_heads == 0; q, k, v hold shape's elements.
void decode_attention_partials(const DecodeShape& shape, const float* q, const float* k, const float* v,
                               AttentionPartials& out);

/// Folds `other` into `into` (online softmax): the state over the union of their keys.
void merge_partials(AttentionPartials& into, const AttentionPartials& other);

/// Re-expresses the state against `global_max` (≥ every row's max), as tree attention does after
/// its max-allreduce, so that numerators and denominators of all shards can simply be summed.
void rescale_partials(AttentionPartials& partials, const std::vector<float>& global_max);

/// The attention output numer / denom, [batch][heads][head_dim].
std::vector<float> attention_output(const AttentionPartials& partials, int head_dim);

/// Plain softmax attention over all keys in double precision: the reference that live runs and
/// tests check the kernel's output against.
std::vector<float> reference_decode_attention(const DecodeShape& shape, const float* q, const float* k, const float* v);

/// Largest |a − b| / (|b| + 1e-3) over the elements: the check used against the reference.
double max_relative_error(const std::vector<float>& a, const std::vector<float>& b);

/// Deterministic pseudo-random fp32 values in [−1, 1) for test and live data. Each value depends
/// only on (seed, stream, index), so every rank generates its own shard of the same global KV.
void fill_uniform(float* data, std::size_t count, std::uint64_t seed, std::uint64_t stream = 0);

/// K and V of `shard` as if cut from a global cache starting at token `first_token`: element
/// (b, t, h, i) is the same whichever shard holds token first_token + t.
void fill_kv_shard(const DecodeShape& shard, std::int64_t first_token, std::uint64_t seed, float* k, float* v);

}  // namespace clustersim::kernels
