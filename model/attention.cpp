// SPDX-License-Identifier: Apache-2.0
// Element counts of decode attention (Tree Attention §6.2–6.3).
#include "model/attention.hpp"

#include "programs/rank_common/shard_split.hpp"

namespace clustersim::model {

double AttentionShape::kv_elements(double tokens) const { return 2.0 * batch * tokens * kv_heads * head_dim; }

double AttentionShape::query_bytes() const { return static_cast<double>(batch) * hidden() * bytes_of(dtype); }

double AttentionShape::attention_flops(double tokens) const { return 4.0 * batch * heads * tokens * head_dim; }

double AttentionShape::attention_hbm_bytes(double tokens) const {
  // The output is written in the partials type (flash-decoding keeps it in fp32 with its lse).
  return kv_bytes(tokens) + query_bytes() + static_cast<double>(batch) * hidden() * bytes_of(partials_dtype);
}

std::vector<std::int64_t> shard_tokens(std::int64_t context, int parts) {
  return live::split_context(context, parts).tokens;  // the rank programs' own split: both time the same shards
}

}  // namespace clustersim::model
