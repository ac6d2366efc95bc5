// SPDX-License-Identifier: Apache-2.0
// How the live rank programs cut one global KV cache into contiguous shards, one per device: the
// split the simulator's strategies use (model::shard_tokens), so both time the same shards.
#pragma once

#include <cstdint>
#include <vector>

namespace clustersim::live {

struct ShardSplit {
  std::vector<std::int64_t> tokens;       ///< keys of each shard, the first context % parts one longer
  std::vector<std::int64_t> first_token;  ///< where each shard starts in the global cache
};

/// Requires: parts ≥ 1, context ≥ 0.
ShardSplit split_context(std::int64_t context, int parts);

}  // namespace clustersim::live
