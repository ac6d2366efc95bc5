// SPDX-License-Identifier: Apache-2.0
// The CPU decode kernel against the double-precision reference, whole and sharded: merged as
// ring attention merges shards, and combined as tree attention combines them (max, then sums).
#include <catch2/catch.hpp>

#include <algorithm>

#include "kernels/cpu/decode_attention.hpp"

using namespace clustersim::kernels;

namespace {

constexpr double kTolerance = 1e-4;  // fp32 accumulation over up to a few thousand keys

struct Problem {
  DecodeShape shape;
  std::vector<float> q, k, v;
  explicit Problem(DecodeShape s) : shape(s), q(s.query_elements()), k(s.key_elements()), v(s.key_elements()) {
    fill_uniform(q.data(), q.size(), 7);
    fill_kv_shard(shape, 0, 11, k.data(), v.data());
  }
};

DecodeShape with_tokens(DecodeShape s, std::int64_t tokens) {
  s.tokens = tokens;
  return s;
}

}  // namespace

TEST_CASE("decode kernel matches the reference, with and without GQA", "[kernels]") {
  for (const DecodeShape shape :
       {DecodeShape{1, 4, 4, 64, 1000}, DecodeShape{2, 8, 2, 128, 333}, DecodeShape{1, 2, 1, 16, 1}}) {
    const Problem p(shape);
    AttentionPartials partials;
    decode_attention_partials(shape, p.q.data(), p.k.data(), p.v.data(), partials);
    const auto reference = reference_decode_attention(shape, p.q.data(), p.k.data(), p.v.data());
    CHECK(max_relative_error(attention_output(partials, shape.head_dim), reference) < kTolerance);
  }
}

TEST_CASE("a corrupted output fails the reference check", "[kernels]") {
  const Problem p({1, 4, 4, 64, 200});
  AttentionPartials partials;
  decode_attention_partials(p.shape, p.q.data(), p.k.data(), p.v.data(), partials);
  auto out = attention_output(partials, p.shape.head_dim);
  out[5] += 0.01f;
  CHECK(max_relative_error(out, reference_decode_attention(p.shape, p.q.data(), p.k.data(), p.v.data())) > kTolerance);
}

TEST_CASE("shards generated locally equal slices of the whole cache", "[kernels]") {
  const DecodeShape whole{2, 4, 2, 32, 100};
  const Problem p(whole);
  const DecodeShape shard = with_tokens(whole, 30);
  std::vector<float> k(shard.key_elements()), v(shard.key_elements());
  fill_kv_shard(shard, 40, 11, k.data(), v.data());
  const std::size_t row = static_cast<std::size_t>(whole.kv_heads) * whole.head_dim;
  for (int b = 0; b < 2; ++b)
    for (int t = 0; t < 30; ++t)
      for (std::size_t i = 0; i < row; ++i) {
        REQUIRE(k[(b * 30 + t) * row + i] == p.k[(b * 100 + 40 + t) * row + i]);
        REQUIRE(v[(b * 30 + t) * row + i] == p.v[(b * 100 + 40 + t) * row + i]);
      }
}

TEST_CASE("sharded attention combined as ring and as tree equals the whole", "[kernels]") {
  const DecodeShape whole{2, 8, 4, 64, 1003};
  const Problem p(whole);
  const auto reference = reference_decode_attention(whole, p.q.data(), p.k.data(), p.v.data());
  const int parts = 4;
  std::vector<AttentionPartials> shards;
  for (int i = 0; i < parts; ++i) {
    const std::int64_t first = whole.tokens * i / parts, last = whole.tokens * (i + 1) / parts;
    const DecodeShape s = with_tokens(whole, last - first);
    std::vector<float> k(s.key_elements()), v(s.key_elements());
    fill_kv_shard(s, first, 11, k.data(), v.data());
    decode_attention_partials(s, p.q.data(), k.data(), v.data(), shards.emplace_back());
  }

  SECTION("ring: merged one shard at a time") {
    AttentionPartials acc = shards[2];
    for (int i : {3, 0, 1}) merge_partials(acc, shards[i]);
    CHECK(max_relative_error(attention_output(acc, whole.head_dim), reference) < kTolerance);
  }
  SECTION("tree: max-allreduce, rescale, sum-allreduce of numerators and denominators") {
    std::vector<float> global_max(whole.rows(), -1e30f);
    for (const auto& s : shards)
      for (std::size_t r = 0; r < global_max.size(); ++r) global_max[r] = std::max(global_max[r], s.max[r]);
    AttentionPartials sum(whole);
    for (auto s : shards) {
      rescale_partials(s, global_max);
      for (std::size_t r = 0; r < sum.denom.size(); ++r) sum.denom[r] += s.denom[r];
      for (std::size_t i = 0; i < sum.numer.size(); ++i) sum.numer[i] += s.numer[i];
    }
    CHECK(max_relative_error(attention_output(sum, whole.head_dim), reference) < kTolerance);
  }
}
