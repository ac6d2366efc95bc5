// SPDX-License-Identifier: Apache-2.0
// AttentionShape: one attention layer at decode time (one new query token per sequence) and the
// element counts the strategies are built from. Notation follows Tree Attention (Shyam et al.,
// 2024, App. G): b batch, n_h query heads, n_kv KV heads, d_h head dim, d = n_h·d_h, N context.
#pragma once

#include <cstdint>
#include <vector>

#include "model/dtype.hpp"

namespace clustersim::model {

struct AttentionShape {
  int batch = 1;                       ///< b
  int heads = 16;                      ///< n_h, query heads
  int kv_heads = 16;                   ///< n_kv, KV heads (GQA when < heads)
  int head_dim = 128;                  ///< d_h
  std::int64_t context = 0;            ///< N, tokens in the KV cache
  DType dtype = DType::bf16;           ///< storage and compute type of Q, K, V
  DType partials_dtype = DType::fp32;  ///< type of partial outputs and softmax statistics

  /// d = n_h·d_h
  std::int64_t hidden() const { return static_cast<std::int64_t>(heads) * head_dim; }
  /// Elements of K and V for `tokens` tokens: 2·b·tokens·n_kv·d_h.
  double kv_elements(double tokens) const;
  /// Bytes of K and V for `tokens` tokens.
  double kv_bytes(double tokens) const { return kv_elements(tokens) * bytes_of(dtype); }
  /// Bytes of the query (b·d elements of dtype).
  double query_bytes() const;
  /// FLOPs of attention of one query over `tokens` keys: QKᵀ and PV, 2·2·b·n_h·tokens·d_h.
  double attention_flops(double tokens) const;
  /// HBM bytes a decode attention kernel moves over `tokens` keys: K, V, q and the output.
  double attention_hbm_bytes(double tokens) const;
};

/// Tokens held by each of `parts` devices when `context` is split into contiguous shards:
/// the first context % parts shards get one token more. Requires: parts >= 1.
std::vector<std::int64_t> shard_tokens(std::int64_t context, int parts);

}  // namespace clustersim::model
