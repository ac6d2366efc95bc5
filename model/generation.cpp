// SPDX-License-Identifier: Apache-2.0
// Whole-model generation graphs. Dense layers cost what a GEMM or GEMV over their weights costs
// (roofline of FLOPs and bytes: weight reads dominate at one token, FLOPs over a long prompt);
// prefill attention is causal, so in a ring a rank only attends to chunks from ranks before it
// — the load imbalance of plain (not zig-zag) ring attention — and the diagonal block is half
// a block of work.
#include "model/generation.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "model/strategy_parts/strategy_parts.hpp"

namespace clustersim::model {
namespace {

/// The dense kernels of one layer over `tokens` tokens (batch included).
struct DenseLayer {
  KernelCost attention_in;   ///< norm, QKV projection, rotary embeddings
  KernelCost attention_out;  ///< output projection, residual
  KernelCost mlp;            ///< norm, gate and up, activation, down, residual
};

DenseLayer dense_layer(const TransformerConfig& m, double tokens) {
  const double dt = bytes_of(m.dtype);
  const double h = m.hidden, qkv = static_cast<double>(m.heads + 2 * m.kv_heads) * m.head_dim;
  const double attn = static_cast<double>(m.heads) * m.head_dim, f = m.ffn;
  return {
      {2 * tokens * h * qkv + 5 * tokens * h, (h * qkv + tokens * (2 * h + 2 * qkv)) * dt, 4},
      {2 * tokens * attn * h + tokens * h, (attn * h + tokens * (attn + 3 * h)) * dt, 2},
      {6 * tokens * h * f + 4 * tokens * f, (3 * h * f + tokens * (3 * h + 4 * f)) * dt, 6},
  };
}

/// Labels every op from `first` to the graph's end with `category`.
void label(TaskGraph& g, OpId first, const std::string& category) {
  g.set_category(first, static_cast<OpId>(g.ops().size()), category);
}

/// Final norm and LM head for `tokens` positions.
KernelCost lm_head(const TransformerConfig& m, double tokens) {
  const double dt = bytes_of(m.dtype);
  return {2 * tokens * m.hidden * m.vocab,
          (static_cast<double>(m.vocab) * m.hidden + tokens * (m.hidden + m.vocab)) * dt, 2};
}

/// Causal attention of `queries` positions against `keys` positions (all heads, batch `b`);
/// `diagonal`: the keys are the queries' own positions, so only half of the block is computed.
KernelCost causal_block(const TransformerConfig& m, int b, double queries, double keys, bool diagonal) {
  const double dt = bytes_of(m.dtype);
  const double work = 4.0 * b * m.heads * m.head_dim * queries * keys;
  const double bytes = b * (2 * queries * m.heads * m.head_dim + 2 * keys * m.kv_heads * m.head_dim) * dt;
  return {diagonal ? work / 2 : work, bytes, diagonal ? 1 : 2};  // off the diagonal: attend, then merge
}

/// Per rank: prompt tokens it holds, plus the generated ones on the last rank.
std::vector<double> kv_tokens(const GenerationSpec& spec, const Placement& placement) {
  std::vector<double> tokens;
  for (std::int64_t t : shard_tokens(spec.prompt_tokens, placement.size())) tokens.push_back(static_cast<double>(t));
  tokens.back() += spec.new_tokens;
  return tokens;
}

std::vector<MemoryUse> generation_memory(const TransformerConfig& m, const GenerationSpec& spec,
                                         const Placement& placement) {
  const double dt = bytes_of(m.dtype);
  const int p = placement.size();
  const std::vector<std::int64_t> shards = shard_tokens(spec.prompt_tokens, p);
  const double largest = static_cast<double>(*std::max_element(shards.begin(), shards.end()));
  const std::vector<MemoryUse> attention =
      decode_attention_memory(spec.strategy, m.attention(spec.prompt_tokens + spec.new_tokens, spec.batch), placement);
  const std::vector<double> tokens = kv_tokens(spec, placement);
  const KvResidence residence = strategy(spec.strategy.name).kv_residence(spec.strategy);
  std::vector<MemoryUse> memory;
  for (int r = 0; r < p; ++r) {
    const double qkv = static_cast<double>(m.heads + 2 * m.kv_heads) * m.head_dim;
    const double prefill_chunk = p > 1 ? 2.0 * spec.batch * largest * m.kv_heads * m.head_dim * dt : 0;
    const double kv = spec.batch * tokens[r] * m.kv_bytes_per_token();
    const double offloaded = (1 - residence.device_fraction) * kv;
    const double resident = spec.batch * std::min(residence.resident_tokens, tokens[r]) * m.kv_bytes_per_token();
    memory.push_back(
        {.kv_shard = residence.device_fraction * kv +
                     std::min(residence.buffer_layers, m.layers) * offloaded / m.layers + resident +
                     residence.metadata_fraction * kv,
         .receive_buffers = std::max(prefill_chunk, attention[r].receive_buffers),
         .partials = attention[r].partials,
         .query_output = attention[r].query_output,
         .weights = m.weight_bytes(),
         // The prefill's working set over the rank's chunk: residual, norm, QKV,
         // attention output and the MLP's two intermediates.
         .activations = spec.batch * static_cast<double>(shards[r]) * (3 * m.hidden + qkv + 2 * m.ffn) * dt,
         .host_kv = residence.tier == HostTier::memory ? offloaded : 0,
         .disk_kv = residence.tier == HostTier::disk ? offloaded : 0});
  }
  return memory;
}

/// Prefill of the prompt: every rank runs the dense layers over its chunk; attention is causal
/// ring attention (or one causal kernel on one device). Returns the first token's op.
OpId add_prefill(TaskGraph& g, const TransformerConfig& m, const GenerationSpec& spec, const Placement& placement) {
  const int p = placement.size();
  const std::vector<int> ranks = all_ranks(placement);
  std::vector<double> chunk;
  for (std::int64_t t : shard_tokens(spec.prompt_tokens, p)) chunk.push_back(static_cast<double>(spec.batch) * t);
  const double dt = bytes_of(m.dtype);
  const double chunk_bytes =
      2.0 * *std::max_element(chunk.begin(), chunk.end()) * m.kv_heads * m.head_dim * dt;  // K and V of one layer

  auto each = [&](auto cost_of) {
    std::vector<KernelCost> cost;
    for (int r = 0; r < p; ++r) cost.push_back(cost_of(r));
    return cost;
  };
  // An offloading strategy keeps its share of the prompt's K and V in host memory: each layer's
  // is stored there once the QKV projection has made it.
  const KvResidence residence = strategy(spec.strategy.name).kv_residence(spec.strategy);
  const double offloaded = 1 - residence.device_fraction;
  std::vector<OpId> previous;
  for (int l = 0; l < m.layers; ++l) {
    const std::string at = fmt::format("prefill.L{}.", l);
    const OpId in = g.compute_each(at + "attention_in", ranks,
                                   each([&](int r) { return dense_layer(m, chunk[r]).attention_in; }), previous);
    if (offloaded > 0)
      g.host_copy(at + "store_kv", ranks, offloaded * chunk_bytes, CopyDirection::to_host, residence.tier, after(in));
    const OpId attention_start = in + 1;
    std::vector<OpId> attended;
    if (p == 1) {
      attended = {g.compute_each(at + "attention", {0},
                                 {causal_block(m, spec.batch, chunk[0] / spec.batch, chunk[0] / spec.batch, true)},
                                 after(in))};
    } else {
      RingRotation ring{
          .ranks = ranks, .chunk_bytes = chunk_bytes, .work_after = after(in), .rotate_after = after(in), .prefix = at};
      ring.work = [&](int hop, int rank) -> std::optional<KernelCost> {
        if (hop > rank) return std::nullopt;  // the chunk holds later tokens: causally masked out
        return causal_block(m, spec.batch, chunk[rank] / spec.batch, chunk[rank - hop] / spec.batch, hop == 0);
      };
      attended = add_ring_rotation(g, ring);
    }
    label(g, attention_start, "attention");
    const OpId out = g.compute_each(at + "attention_out", ranks,
                                    each([&](int r) { return dense_layer(m, chunk[r]).attention_out; }), attended);
    previous = {
        g.compute_each(at + "mlp", ranks, each([&](int r) { return dense_layer(m, chunk[r]).mlp; }), after(out))};
    g.set_category(out, out + 2, "dense");
    g.set_category(in, in + 1, "dense");
  }
  // The last rank holds the prompt's last position: its logits give the first token.
  const OpId first = g.compute_each("prefill.lm_head", {p - 1}, {lm_head(m, spec.batch)}, previous);
  label(g, first, "dense");
  return first;
}

/// Decode step `t`: one new token through every layer on every rank, attention by the strategy.
/// Returns the ops after which every rank has the token.
std::vector<OpId> add_decode_step(TaskGraph& g, const TransformerConfig& m, const GenerationSpec& spec,
                                  const Placement& placement, int t, std::vector<OpId> previous,
                                  LayerHistory& history) {
  const int p = placement.size();
  const std::vector<int> ranks = all_ranks(placement);
  const DenseLayer dense = dense_layer(m, spec.batch);
  AttentionShape shape = m.attention(spec.prompt_tokens + t, spec.batch);
  if (spec.reference.gqa_expanded_kv) shape.kv_heads = shape.heads;
  const Strategy& strategy = model::strategy(spec.strategy.name);
  const bool output_on_one_rank = !strategy.output_on_every_rank(spec.strategy) && p > 1;
  for (int l = 0; l < m.layers; ++l) {
    const std::string at = fmt::format("t{}.L{}.", t, l);
    const OpId in =
        g.compute_each(at + "attention_in", ranks, std::vector<KernelCost>(p, dense.attention_in), previous);
    const OpId attention_start = in + 1;
    std::vector<OpId> ready = after(in);
    if (spec.reference.broadcast_query && p > 1) {  // dist.broadcast of the query, then dist.barrier()
      const OpId query = g.broadcast(at + "broadcast_query", ranks, p - 1, shape.query_bytes(), ready);
      ready = after(g.allreduce(at + "barrier", ranks, 4, ReduceOp::sum, after(query)));
    }
    if (spec.reference.max_allreduce_before_ring && strategy.moves_kv && p > 1)
      ready = after(g.allreduce(at + "allreduce_max_length", ranks, 8, ReduceOp::max, ready));
    std::vector<OpId> attended =
        add_decode_attention(g, spec.strategy, shape, placement,
                             {.after = ready, .broadcast_query = false, .prefix = at, .history = &history});
    if (output_on_one_rank)  // the dense layers run everywhere: they need the output everywhere
      attended = {g.broadcast(at + "broadcast_output", ranks, p - 1, shape.query_bytes(), attended)};
    label(g, attention_start, "attention");
    const OpId out =
        g.compute_each(at + "attention_out", ranks, std::vector<KernelCost>(p, dense.attention_out), attended);
    previous = {g.compute_each(at + "mlp", ranks, std::vector<KernelCost>(p, dense.mlp), after(out))};
    g.set_category(out, out + 2, "dense");
    g.set_category(in, in + 1, "dense");
  }
  // Every rank computes the logits and picks the same token: no message needed.
  const OpId head = g.compute_each(fmt::format("t{}.lm_head", t), ranks,
                                   std::vector<KernelCost>(p, lm_head(m, spec.batch)), previous);
  label(g, head, "dense");
  return {head};
}

}  // namespace

GenerationPlan plan_generation(const TransformerConfig& model, const GenerationSpec& spec, const Placement& placement) {
  if (spec.new_tokens < 1) throw std::invalid_argument("generation needs at least one new token");
  if (spec.prompt_tokens < placement.size())
    throw std::invalid_argument("the prompt must have at least one token per device");
  GenerationPlan plan;
  TaskGraph& g = plan.graph;
  const int p = placement.size();
  plan.first_token = add_prefill(g, model, spec, placement);
  std::vector<OpId> token = {plan.first_token};
  if (spec.new_tokens > 1 && p > 1)  // every rank needs the first token to embed it
    token = {g.broadcast("prefill.broadcast_token", all_ranks(placement), p - 1, 4.0 * spec.batch, token)};
  LayerHistory history{.layers_per_step = model.layers, .total_layers = model.layers * (spec.new_tokens - 1)};
  for (int t = 1; t < spec.new_tokens; ++t) token = add_decode_step(g, model, spec, placement, t, token, history);
  plan.memory = generation_memory(model, spec, placement);
  return plan;
}

namespace {

/// Whether every device's memory, and its host memory share, hold the generation.
bool generation_fits(const TransformerConfig& model, const GenerationSpec& spec, const Placement& placement,
                     double capacity_bytes, double host_capacity_bytes) {
  for (const MemoryUse& m : generation_memory(model, spec, placement))
    if (m.total() > capacity_bytes || m.host_kv > host_capacity_bytes) return false;
  return true;
}

/// The largest n >= low with fits(n), for a `fits` that holds up to some n and not beyond;
/// 0 if !fits(low). Doubles, then bisects.
template <typename Int, typename Fits>
Int largest_that_fits(Int low, Int limit, Fits fits) {
  if (!fits(low)) return 0;
  Int high = low;
  while (high <= limit / 2 && fits(high * 2)) high *= 2;
  if (high > limit / 2) return high;  // fits as far as doubling may go
  high *= 2;                          // fits(low) and not fits(high)
  low = high / 2;
  while (high - low > 1) {
    const Int middle = low + (high - low) / 2;
    (fits(middle) ? low : high) = middle;
  }
  return low;
}

}  // namespace

std::int64_t longest_prompt_that_fits(const TransformerConfig& model, GenerationSpec spec, const Placement& placement,
                                      double capacity_bytes, double host_capacity_bytes) {
  return largest_that_fits<std::int64_t>(placement.size(), std::int64_t{1} << 50, [&](std::int64_t prompt) {
    spec.prompt_tokens = prompt;
    return generation_fits(model, spec, placement, capacity_bytes, host_capacity_bytes);
  });
}

int largest_batch_that_fits(const TransformerConfig& model, GenerationSpec spec, const Placement& placement,
                            double capacity_bytes, double host_capacity_bytes) {
  return largest_that_fits<int>(1, 1 << 24, [&](int batch) {
    spec.batch = batch;
    return generation_fits(model, spec, placement, capacity_bytes, host_capacity_bytes);
  });
}

}  // namespace clustersim::model
