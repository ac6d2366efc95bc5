// SPDX-License-Identifier: Apache-2.0
#include "programs/rank_common/shard_split.hpp"

namespace clustersim::live {

ShardSplit split_context(std::int64_t context, int parts) {
  ShardSplit split{.tokens = std::vector<std::int64_t>(parts, context / parts),
                   .first_token = std::vector<std::int64_t>(parts, 0)};
  for (int i = 0; i < context % parts; ++i) ++split.tokens[i];
  for (int i = 1; i < parts; ++i) split.first_token[i] = split.first_token[i - 1] + split.tokens[i - 1];
  return split;
}

}  // namespace clustersim::live
