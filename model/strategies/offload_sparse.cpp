// SPDX-License-Identifier: Apache-2.0
// KV offload with sparse fetch and a GPU block cache (ShadowKV, Sun et al. 2025; InfLLM, Xiao et
// al. 2024; NOSA): the KV cache lives in host memory (or on disk) in blocks of `block_tokens`;
// per layer a selection kernel scores every block from GPU-resident metadata (one landmark key
// per block and KV head), the top `budget_blocks` are attended to, and only those missing from
// the GPU's block cache — a share 1 - `hit_rate` of them — are fetched, one copy per block.
// The selection needs the layer's query, so nothing is fetched ahead. The hit rate is given, or
// derived from a block-selection trace (model/block_trace.hpp) replayed against an LRU cache of
// `cache_blocks` blocks per layer.
#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>

#include "model/block_trace.hpp"
#include "model/strategy_parts/strategy_parts.hpp"

namespace clustersim::model {
namespace {

struct SparseFetch {
  double block_tokens;
  double budget_blocks;
  double cache_blocks;
  double hit_rate;
  HostTier tier;
};

/// The hit rate `trace` replayed against `cache_blocks` gives; each pair is replayed once.
double replayed_hit_rate(const std::string& trace, double cache_blocks) {
  static std::mutex mutex;
  static std::map<std::pair<std::string, double>, double> replayed;
  const std::lock_guard lock(mutex);
  const auto [it, added] = replayed.try_emplace({trace, cache_blocks}, 0.0);
  if (added) it->second = lru_hit_rate(read_block_trace(trace), static_cast<std::int64_t>(cache_blocks));
  return it->second;
}

SparseFetch sparse_of(const StrategySpec& spec) {
  const double cache_blocks = spec.number("cache_blocks");
  const std::string trace = spec.option("trace");
  return {spec.number("block_tokens"), spec.number("budget_blocks"), cache_blocks,
          trace.empty() ? spec.number("hit_rate") : replayed_hit_rate(trace, cache_blocks), host_tier(spec)};
}

/// Blocks of the cache before this step's token.
double cached_blocks(const AttentionShape& shape, const SparseFetch& s) {
  return std::ceil(static_cast<double>(shape.context - 1) / s.block_tokens);
}

/// Blocks attended to: the budget, or every block when the cache has fewer.
double selected_blocks(const AttentionShape& shape, const SparseFetch& s) {
  return std::min(s.budget_blocks, cached_blocks(shape, s));
}

/// The selection kernel: the query against one landmark key per block and KV head.
KernelCost selection(const AttentionShape& shape, const SparseFetch& s) {
  const double blocks = cached_blocks(shape, s);
  return {2.0 * shape.batch * shape.heads * shape.head_dim * blocks,
          shape.batch * blocks * shape.kv_heads * shape.head_dim * bytes_of(shape.dtype) + shape.query_bytes()};
}

std::vector<OpId> add_sparse_fetch(TaskGraph& g, const StrategySpec& spec, const AttentionShape& shape,
                                   const Placement& placement, const AttentionStep& step) {
  if (placement.size() != 1) throw std::invalid_argument("strategy 'offload_sparse' runs on exactly one device");
  const SparseFetch s = sparse_of(spec);
  const std::string& at = step.prefix;
  g.host_copy(at + "store_new_kv", {0}, shape.kv_bytes(1), CopyDirection::to_host, s.tier, step.after);
  const OpId select = g.compute_each(at + "select_blocks", {0}, {selection(shape, s)}, step.after);
  const double selected = selected_blocks(shape, s);
  const double missing = selected * (1 - s.hit_rate);
  std::vector<OpId> ready = after(select);
  if (missing > 0)
    ready = after(g.host_gather(at + "fetch_blocks", {0}, missing * shape.kv_bytes(s.block_tokens), missing, s.tier,
                                after(select)));
  const double tokens = std::min(selected * s.block_tokens, static_cast<double>(shape.context));
  return after(g.compute_each(at + "attention", {0}, {kernels::partial_attention(shape, tokens)}, ready));
}

std::vector<MemoryUse> sparse_fetch_memory(const StrategySpec& spec, const AttentionShape& shape, const Placement&) {
  // One layer: on the device its landmarks, its block cache and the blocks attended to; the whole
  // cache in the host tier.
  const SparseFetch s = sparse_of(spec);
  const double landmarks =
      shape.batch * cached_blocks(shape, s) * shape.kv_heads * shape.head_dim * bytes_of(shape.dtype);
  const double block = shape.kv_bytes(s.block_tokens);
  MemoryUse m{.kv_shard = landmarks + (s.cache_blocks + selected_blocks(shape, s)) * block,
              .partials = statistic_bytes(shape),
              .query_output = shape.query_bytes() + numerator_bytes(shape)};
  (s.tier == HostTier::disk ? m.disk_kv : m.host_kv) = shape.kv_bytes(static_cast<double>(shape.context));
  return {m};
}

}  // namespace

const Strategy& strategy_offload_sparse() {
  static const Strategy offload_sparse{
      .name = "offload_sparse",
      .long_name = "KV offload (sparse fetch, GPU block cache)",
      .summary =
          "one device; K and V in host memory in blocks, the top-k blocks per layer attended to and "
          "the ones the GPU block cache misses fetched",
      .options = {{.name = "block_tokens",
                   .values = {"64"},
                   .help = "tokens per KV block (InfLLM-V2: 64; InfLLM: 128; ShadowKV's chunks: 8)",
                   .number = NumberRange{1, 1 << 20, true}},
                  {.name = "budget_blocks",
                   .values = {"32"},
                   .help = "blocks attended to per layer and step (the top-k of the selection)",
                   .number = NumberRange{1, 1 << 24, true}},
                  {.name = "cache_blocks",
                   .values = {"64"},
                   .help = "blocks the GPU caches per layer (InfLLM's max_cached_block: 32)",
                   .number = NumberRange{0, 1 << 24, true}},
                  {.name = "hit_rate",
                   .values = {"0"},
                   .help = "share of the selected blocks found in the GPU cache, 0 to 1; or give a trace",
                   .number = NumberRange{0, 1, false},
                   .excludes = "trace"},
                  {.name = "trace",
                   .values = {""},
                   .help = "a block-selection trace (scenarios/README.md) whose LRU replay against cache_blocks gives "
                           "the hit rate",
                   .read_file = [](const std::string& path) { read_block_trace(path); },
                   .excludes = "hit_rate"},
                  host_tier_option()},
      .ranks = RankUse::one,
      .add = add_sparse_fetch,
      .memory = sparse_fetch_memory,
      .check_inputs =
          [](const StrategySpec& spec, const AttentionShape& shape, int layers) {
            if (spec.option("trace").empty()) return;
            const auto blocks = static_cast<std::int64_t>(std::ceil(shape.context / spec.number("block_tokens")));
            check_block_trace(read_block_trace(spec.option("trace")), layers, blocks);
          },
      .kv_residence =
          [](const StrategySpec& spec) {
            // The whole cache offloaded; the device keeps every layer's block cache and selected
            // blocks, and one landmark key per block: 1 / (2 · block_tokens) of the cache's bytes.
            const SparseFetch s = sparse_of(spec);
            return KvResidence{.device_fraction = 0,
                               .tier = s.tier,
                               .resident_tokens = (s.cache_blocks + s.budget_blocks) * s.block_tokens,
                               .metadata_fraction = 1 / (2 * s.block_tokens)};
          },
      .compared_with = "single",
  };
  return offload_sparse;
}

}  // namespace clustersim::model
