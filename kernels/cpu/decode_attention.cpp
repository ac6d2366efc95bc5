// SPDX-License-Identifier: Apache-2.0
// CPU decode attention. Each query row's softmax is computed in blocks of keys with the online
// rescaling of flash-decoding, so K and V are read once from memory; the query heads sharing a
// KV head (GQA) read its rows while they are in cache. Single-threaded on purpose: one live rank is one
// core, and calibration measures the kernel as a rank runs it.
#include "kernels/cpu/decode_attention.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace clustersim::kernels {
namespace {

constexpr int kBlock = 64;  // keys scored before the accumulators are rescaled
constexpr float kNoKeys = -std::numeric_limits<float>::infinity();

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

float uniform_at(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
  const std::uint64_t bits = splitmix64(splitmix64(seed ^ splitmix64(stream)) ^ index);
  return static_cast<float>(static_cast<double>(bits >> 40) * 0x1.0p-23 - 1.0);  // 24 bits in [-1, 1)
}

void check_shape(const DecodeShape& shape) {
  if (shape.batch < 1 || shape.heads < 1 || shape.kv_heads < 1 || shape.head_dim < 1 || shape.tokens < 0 ||
      shape.heads % shape.kv_heads != 0)
    throw std::invalid_argument(
        "decode attention: batch, heads, kv_heads, head_dim must be positive and "
        "heads a multiple of kv_heads");
}

}  // namespace

AttentionPartials::AttentionPartials(const DecodeShape& shape)
    : max(shape.rows(), kNoKeys), denom(shape.rows(), 0.0f), numer(shape.query_elements(), 0.0f) {}

void decode_attention_partials(const DecodeShape& shape, const float* q, const float* k, const float* v,
                               AttentionPartials& out) {
  check_shape(shape);
  out = AttentionPartials(shape);
  const int d = shape.head_dim;
  const int group = shape.heads / shape.kv_heads;
  const std::size_t token_stride = static_cast<std::size_t>(shape.kv_heads) * d;
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));

  // Blocks of keys outermost, and inside a block tokens before heads: the K and V rows of all KV
  // heads of a token are contiguous, so each pass reads its block front to back, once, whatever
  // the number of heads; the running state of every row stays in L1.
  std::vector<float> weights(static_cast<std::size_t>(shape.heads) * kBlock);
  for (int b = 0; b < shape.batch; ++b) {
    const std::size_t kv_batch = static_cast<std::size_t>(b) * shape.tokens * token_stride;
    const std::size_t row_base = static_cast<std::size_t>(b) * shape.heads;
    for (std::int64_t t0 = 0; t0 < shape.tokens; t0 += kBlock) {
      const int n = static_cast<int>(std::min<std::int64_t>(kBlock, shape.tokens - t0));
      const float* k_block = k + kv_batch + static_cast<std::size_t>(t0) * token_stride;
      const float* v_block = v + kv_batch + static_cast<std::size_t>(t0) * token_stride;
      // Pass 1 over K: the scores of every head.
      for (int j = 0; j < n; ++j)
        for (int h = 0; h < shape.heads; ++h) {
          const float* qrow = q + (row_base + h) * d;
          const float* krow =
              k_block + static_cast<std::size_t>(j) * token_stride + static_cast<std::size_t>(h / group) * d;
          float dot = 0;
#pragma omp simd reduction(+ : dot)
          for (int i = 0; i < d; ++i) dot += qrow[i] * krow[i];
          weights[static_cast<std::size_t>(h) * kBlock + j] = dot * scale;
        }
      // Each row's state moves to the block's new max; scores become softmax weights.
      for (int h = 0; h < shape.heads; ++h) {
        const std::size_t row = row_base + h;
        float* w = &weights[static_cast<std::size_t>(h) * kBlock];
        const float new_max = std::max(out.max[row], *std::max_element(w, w + n));
        const float correction = std::exp(out.max[row] - new_max);  // 0 when no keys yet
        float* acc = &out.numer[row * d];
        for (int i = 0; i < d; ++i) acc[i] *= correction;
        float sum = 0;
        for (int j = 0; j < n; ++j) sum += (w[j] = std::exp(w[j] - new_max));
        out.denom[row] = out.denom[row] * correction + sum;
        out.max[row] = new_max;
      }
      // Pass 2 over V: the numerators.
      for (int j = 0; j < n; ++j)
        for (int h = 0; h < shape.heads; ++h) {
          const float w = weights[static_cast<std::size_t>(h) * kBlock + j];
          const float* vrow =
              v_block + static_cast<std::size_t>(j) * token_stride + static_cast<std::size_t>(h / group) * d;
          float* acc = &out.numer[(row_base + h) * d];
#pragma omp simd
          for (int i = 0; i < d; ++i) acc[i] += w * vrow[i];
        }
    }
  }
}

void merge_partials(AttentionPartials& into, const AttentionPartials& other) {
  if (into.max.size() != other.max.size() || into.numer.size() != other.numer.size())
    throw std::invalid_argument("merge_partials: states of different shapes");
  const std::size_t d = into.max.empty() ? 0 : into.numer.size() / into.max.size();
  for (std::size_t r = 0; r < into.max.size(); ++r) {
    if (other.max[r] == kNoKeys) continue;
    const float m = std::max(into.max[r], other.max[r]);
    const float a = std::exp(into.max[r] - m);
    const float b = std::exp(other.max[r] - m);
    into.denom[r] = into.denom[r] * a + other.denom[r] * b;
    for (std::size_t i = 0; i < d; ++i) into.numer[r * d + i] = into.numer[r * d + i] * a + other.numer[r * d + i] * b;
    into.max[r] = m;
  }
}

void rescale_partials(AttentionPartials& partials, const std::vector<float>& global_max) {
  if (global_max.size() != partials.max.size())
    throw std::invalid_argument("rescale_partials: global max of the wrong size");
  const std::size_t d = partials.max.empty() ? 0 : partials.numer.size() / partials.max.size();
  for (std::size_t r = 0; r < partials.max.size(); ++r) {
    const float f = partials.max[r] == kNoKeys ? 0.0f : std::exp(partials.max[r] - global_max[r]);
    partials.denom[r] *= f;
    for (std::size_t i = 0; i < d; ++i) partials.numer[r * d + i] *= f;
    partials.max[r] = global_max[r];
  }
}

std::vector<float> attention_output(const AttentionPartials& partials, int head_dim) {
  std::vector<float> out(partials.numer.size());
  for (std::size_t r = 0; r < partials.max.size(); ++r)
    for (int i = 0; i < head_dim; ++i)
      out[r * head_dim + i] = partials.denom[r] > 0 ? partials.numer[r * head_dim + i] / partials.denom[r] : 0.0f;
  return out;
}

std::vector<float> reference_decode_attention(const DecodeShape& shape, const float* q, const float* k,
                                              const float* v) {
  check_shape(shape);
  const int d = shape.head_dim;
  const int group = shape.heads / shape.kv_heads;
  const std::size_t token_stride = static_cast<std::size_t>(shape.kv_heads) * d;
  const double scale = 1.0 / std::sqrt(static_cast<double>(d));
  std::vector<float> out(shape.query_elements(), 0.0f);
  std::vector<double> s(static_cast<std::size_t>(shape.tokens));
  for (int b = 0; b < shape.batch; ++b)
    for (int h = 0; h < shape.heads; ++h) {
      const float* qrow = q + (static_cast<std::size_t>(b) * shape.heads + h) * d;
      const std::size_t kv_off =
          static_cast<std::size_t>(b) * shape.tokens * token_stride + static_cast<std::size_t>(h / group) * d;
      double m = -std::numeric_limits<double>::infinity();
      for (std::int64_t t = 0; t < shape.tokens; ++t) {
        double dot = 0;
        for (int i = 0; i < d; ++i) dot += static_cast<double>(qrow[i]) * k[kv_off + t * token_stride + i];
        s[t] = dot * scale;
        m = std::max(m, s[t]);
      }
      double denom = 0;
      std::vector<double> acc(d, 0.0);
      for (std::int64_t t = 0; t < shape.tokens; ++t) {
        const double w = std::exp(s[t] - m);
        denom += w;
        for (int i = 0; i < d; ++i) acc[i] += w * v[kv_off + t * token_stride + i];
      }
      for (int i = 0; i < d; ++i)
        out[(static_cast<std::size_t>(b) * shape.heads + h) * d + i] =
            denom > 0 ? static_cast<float>(acc[i] / denom) : 0.0f;
    }
  return out;
}

double max_relative_error(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return std::numeric_limits<double>::infinity();
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::abs(static_cast<double>(a[i]) - b[i]) / (std::abs(static_cast<double>(b[i])) + 1e-3));
  return worst;
}

void fill_uniform(float* data, std::size_t count, std::uint64_t seed, std::uint64_t stream) {
  for (std::size_t i = 0; i < count; ++i) data[i] = uniform_at(seed, stream, i);
}

void fill_kv_shard(const DecodeShape& shard, std::int64_t first_token, std::uint64_t seed, float* k, float* v) {
  const std::size_t row = static_cast<std::size_t>(shard.kv_heads) * shard.head_dim;
  for (int b = 0; b < shard.batch; ++b)
    for (std::int64_t t = 0; t < shard.tokens; ++t) {
      // One stream per (batch, global token): rows do not depend on how the cache is cut.
      const std::uint64_t stream = (static_cast<std::uint64_t>(b) << 40) + static_cast<std::uint64_t>(first_token + t);
      const std::size_t offset = (static_cast<std::size_t>(b) * shard.tokens + t) * row;
      fill_uniform(k + offset, row, seed, 2 * stream);
      fill_uniform(v + offset, row, seed, 2 * stream + 1);
    }
}

}  // namespace clustersim::kernels
