// SPDX-License-Identifier: Apache-2.0
// Block-selection traces: the CSV reader with file:line errors, the LRU replay and the
// generator. The replay keeps one cache per (layer, head group), as InfLLM's max_cached_block
// and ShadowKV's GPU cache are per layer.
#include "model/block_trace.hpp"

#include <algorithm>
#include <charconv>
#include <list>
#include <map>
#include <random>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include <fmt/format.h>

#include "common/input_error.hpp"
#include "common/read_file.hpp"

namespace clustersim::model {
namespace {

constexpr std::uintmax_t kTraceFileLimit = std::uintmax_t{1} << 30;
constexpr const char* kHeader = "step,layer,head_group,blocks";

std::int64_t parse_count(std::string_view text, const std::string& origin, int line, const char* field) {
  std::int64_t value = -1;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < 0)
    throw InputError({origin, line, 0}, field,
                     fmt::format("{} is '{}', expected a non-negative integer", field, std::string(text)),
                     fmt::format("rows read: {}", kHeader));
  return value;
}

}  // namespace

BlockTrace parse_block_trace(const std::string& text, const std::string& origin) {
  BlockTrace trace{.origin = origin};
  std::size_t begin = 0;
  int line = 0;
  bool header = false;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    std::string_view row(text.data() + begin, end - begin);
    begin = end + 1;
    ++line;
    if (!row.empty() && row.back() == '\r') row.remove_suffix(1);
    if (row.empty()) continue;
    if (!header) {
      if (row != kHeader)
        throw InputError({origin, line, 1}, "header",
                         fmt::format("the first line is '{}', expected the header '{}'", std::string(row), kHeader),
                         "a block-selection trace: scenarios/README.md, Block-selection traces");
      header = true;
      continue;
    }
    std::vector<std::string_view> fields;
    for (std::size_t at = 0;;) {
      const std::size_t comma = row.find(',', at);
      fields.push_back(row.substr(at, comma == std::string_view::npos ? std::string_view::npos : comma - at));
      if (comma == std::string_view::npos) break;
      at = comma + 1;
    }
    if (fields.size() != 4)
      throw InputError({origin, line, 1}, "row",
                       fmt::format("the row has {} fields, expected 4 ({})", fields.size(), kHeader));
    BlockTrace::Row r{.line = line,
                      .step = parse_count(fields[0], origin, line, "step"),
                      .layer = static_cast<int>(std::min<std::int64_t>(parse_count(fields[1], origin, line, "layer"),
                                                                       std::numeric_limits<int>::max())),
                      .head_group = static_cast<int>(std::min<std::int64_t>(
                          parse_count(fields[2], origin, line, "head_group"), std::numeric_limits<int>::max()))};
    std::set<std::int64_t> seen;
    for (std::size_t at = 0; at <= fields[3].size();) {
      std::size_t space = fields[3].find(' ', at);
      if (space == std::string_view::npos) space = fields[3].size();
      if (space > at) {
        const std::int64_t block = parse_count(fields[3].substr(at, space - at), origin, line, "blocks");
        if (!seen.insert(block).second)
          throw InputError({origin, line, 0}, "blocks", fmt::format("block {} is selected twice in one row", block));
        r.blocks.push_back(block);
      }
      at = space + 1;
    }
    if (r.blocks.empty())
      throw InputError({origin, line, 0}, "blocks", "the row selects no blocks",
                       "blocks: the selected block ids, separated by spaces");
    if (!trace.rows.empty() && r.step < trace.rows.back().step)
      throw InputError(
          {origin, line, 0}, "step",
          fmt::format("step {} comes after step {}: rows must be in step order", r.step, trace.rows.back().step));
    trace.rows.push_back(std::move(r));
  }
  if (!header) throw InputError({origin, 1, 1}, "header", fmt::format("the trace is empty; expected '{}'", kHeader));
  return trace;
}

BlockTrace read_block_trace(const std::string& path) {
  return parse_block_trace(read_text_file(path, "block-selection trace", kTraceFileLimit), path);
}

void check_block_trace(const BlockTrace& trace, int layers, std::int64_t blocks) {
  for (const BlockTrace::Row& r : trace.rows) {
    if (r.layer >= layers)
      throw InputError({trace.origin, r.line, 0}, "layer",
                       fmt::format("layer {} is not a layer of the model, which has {}", r.layer, layers),
                       "the trace was recorded on another model");
    for (std::int64_t block : r.blocks)
      if (block >= blocks)
        throw InputError({trace.origin, r.line, 0}, "blocks",
                         fmt::format("block {} is out of range: the context has {} blocks", block, blocks),
                         "the trace was recorded at a longer context or with smaller blocks");
  }
}

double lru_hit_rate(const BlockTrace& trace, std::int64_t cache_blocks) {
  if (cache_blocks <= 0) return 0;
  struct Cache {
    std::list<std::int64_t> order;  // most recent first
    std::unordered_map<std::int64_t, std::list<std::int64_t>::iterator> where;
  };
  std::map<std::pair<int, int>, Cache> caches;
  double hits = 0, selections = 0;
  for (const BlockTrace::Row& r : trace.rows) {
    Cache& cache = caches[{r.layer, r.head_group}];
    for (std::int64_t block : r.blocks) {
      ++selections;
      if (const auto it = cache.where.find(block); it != cache.where.end()) {
        ++hits;
        cache.order.splice(cache.order.begin(), cache.order, it->second);
        continue;
      }
      cache.order.push_front(block);
      cache.where[block] = cache.order.begin();
      if (static_cast<std::int64_t>(cache.order.size()) > cache_blocks) {
        cache.where.erase(cache.order.back());
        cache.order.pop_back();
      }
    }
  }
  return selections > 0 ? hits / selections : 0;
}

std::string generate_block_trace(const TraceGenerator& spec) {
  if (spec.steps < 1 || spec.layers < 1 || spec.head_groups < 1 || spec.budget < 1 || spec.blocks < spec.budget ||
      !(spec.locality >= 0 && spec.locality <= 1))
    throw std::invalid_argument("block trace generator: counts must be >= 1, budget <= blocks, locality in [0, 1]");
  // mt19937_64 is specified bit for bit; the draws below use only its raw output, so a spec gives
  // the same trace on every standard library.
  std::mt19937_64 random(spec.seed);
  const auto uniform = [&](std::uint64_t n) { return random() % n; };  // n << 2^64: the bias is negligible
  const auto keep = [&] { return static_cast<double>(random() >> 11) * 0x1.0p-53 < spec.locality; };
  std::string out = std::string(kHeader) + "\n";
  std::map<std::pair<int, int>, std::vector<std::int64_t>> previous;
  for (int step = 0; step < spec.steps; ++step)
    for (int layer = 0; layer < spec.layers; ++layer)
      for (int group = 0; group < spec.head_groups; ++group) {
        std::vector<std::int64_t>& blocks = previous[{layer, group}];
        std::vector<std::int64_t> kept;
        for (std::int64_t b : blocks)
          if (keep()) kept.push_back(b);
        std::set<std::int64_t> chosen(kept.begin(), kept.end());
        while (static_cast<int>(chosen.size()) < spec.budget)
          chosen.insert(static_cast<std::int64_t>(uniform(static_cast<std::uint64_t>(spec.blocks))));
        blocks.assign(chosen.begin(), chosen.end());
        out += fmt::format("{},{},{},{}\n", step, layer, group, fmt::join(blocks, " "));
      }
  return out;
}

}  // namespace clustersim::model
