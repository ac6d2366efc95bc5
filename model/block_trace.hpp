// SPDX-License-Identifier: Apache-2.0
// Block-selection traces: which KV blocks sparse attention selected, per decode step, layer and
// head group, and the hit rate a GPU block cache of a given size would have had on them (LRU, one
// cache per layer and head group). This module owns the trace format (CSV, documented in
// scenarios/README.md "Block-selection traces"): it alone reads and writes it.
//
//   step,layer,head_group,blocks
//   0,0,0,0 7 12 40
//   0,1,0,3 7 9 41
//   1,0,0,0 7 13 40
//
// A trace comes from instrumenting a real model's selection, or from generate_block_trace(),
// which draws one with a chosen step-to-step locality.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace clustersim::model {

struct BlockTrace {
  struct Row {
    int line = 0;  ///< in the file, for messages
    std::int64_t step = 0;
    int layer = 0;
    int head_group = 0;
    std::vector<std::int64_t> blocks;  ///< the selected block ids
  };
  std::string origin;  ///< the file it was read from
  std::vector<Row> rows;
};

/// Reads a trace. Throws: InputError naming the file, the line and the field for a missing or
/// unknown header, a field that is not a non-negative integer, a row without blocks, a block
/// selected twice in one row, or steps that go back.
BlockTrace read_block_trace(const std::string& path);
/// Parses trace text; `origin` names it in messages. Throws as read_block_trace.
BlockTrace parse_block_trace(const std::string& text, const std::string& origin);

/// Throws: InputError at the first row whose layer is not below `layers` or whose block is not
/// below `blocks` (a trace for another model or context).
void check_block_trace(const BlockTrace& trace, int layers, std::int64_t blocks);

/// The share of selected blocks that a least-recently-used cache of `cache_blocks` blocks per
/// (layer, head group) already held, replaying the rows in order; cold misses count. 0 for a
/// cache of 0 blocks or an empty trace.
double lru_hit_rate(const BlockTrace& trace, std::int64_t cache_blocks);

/// What generate_block_trace() draws.
struct TraceGenerator {
  int steps = 64;
  int layers = 32;
  int head_groups = 1;
  std::int64_t blocks = 1024;  ///< blocks in the context
  int budget = 32;             ///< blocks selected per row
  double locality = 0.8;       ///< chance that a block selected at one step is selected again at the next
  std::uint64_t seed = 1;
};

/// A trace of `steps` × `layers` × `head_groups` rows: at step 0 each row selects `budget`
/// distinct blocks uniformly; at each later step it keeps each of its previous blocks with
/// probability `locality` and draws the rest uniformly among the others. The same spec gives the
/// same text. Requires: 0 <= locality <= 1, budget <= blocks, every count >= 1.
std::string generate_block_trace(const TraceGenerator& spec);

}  // namespace clustersim::model
