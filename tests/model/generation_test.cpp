// SPDX-License-Identifier: Apache-2.0
// Whole-model generation graphs against closed forms: dense FLOPs per token, causal prefill
// attention FLOPs, memory per device, and the longest prompt that fits.
#include <catch2/catch.hpp>

#include "model/generation.hpp"

using namespace clustersim::model;

namespace {

Placement one_node(int p) { return {std::vector<int>(p, 0)}; }

/// FLOPs of the compute ops whose name contains `name_part` (or is exactly it, with `exact`), on
/// `rank` (all ranks if negative).
double flops_of(const TaskGraph& g, const std::string& name_part, int rank, bool exact = false) {
  double total = 0;
  for (const Op& op : g.ops())
    if (op.kind == OpKind::compute && (exact ? op.name == name_part : op.name.find(name_part) != std::string::npos))
      for (std::size_t i = 0; i < op.ranks.size(); ++i)
        if (op.ranks[i] == rank || rank < 0) total += op.cost[i].flops;
  return total;
}

}  // namespace

TEST_CASE("model: a decode token's dense layers cost about 2 x parameters FLOPs", "[model][physics]") {
  // One token through every projection, the MLP and the LM head: 2 FLOPs per weight used, plus
  // the few element-wise FLOPs of norms, rotary embeddings and residuals (<0.1 %).
  const TransformerConfig m = load_transformer("llama3.1-8b");
  const GenerationPlan plan =
      plan_generation(m, {.prompt_tokens = 4096, .new_tokens = 2, .strategy = {.name = "tree"}}, one_node(4));
  const double dense = flops_of(plan.graph, "t1.L", 0) - flops_of(plan.graph, "t1.L0.partial", 0) * m.layers -
                       flops_of(plan.graph, "t1.L0.rescale", 0) * m.layers -
                       flops_of(plan.graph, "t1.L0.normalize", 0) * m.layers + flops_of(plan.graph, "t1.lm_head", 0);
  // 2 FLOPs per weight used: every parameter but the embedding table, which is a lookup.
  CHECK(dense == Approx(2 * (m.parameters() - double(m.vocab) * m.hidden)).epsilon(0.001));
  CHECK(dense == Approx(m.dense_flops_per_token()).epsilon(0.001));
}

TEST_CASE("model: causal ring prefill computes 4*b*n_h*d_h*N^2/2 attention FLOPs per layer", "[model][physics]") {
  // Rank r attends to chunks 0..r: r full blocks and one half (diagonal) block of c x c; summed
  // over ranks, (p^2/2)·c^2 = N^2/2 query-key pairs, 4·n_h·d_h FLOPs each (QK and PV).
  const TransformerConfig m = load_transformer("llama3.2-1b");
  const int p = GENERATE(1, 2, 4, 8);
  const std::int64_t n = 32000;
  const GenerationPlan plan = plan_generation(m, {.prompt_tokens = n, .strategy = {.name = "ring"}}, one_node(p));
  const double per_layer =
      flops_of(plan.graph, "prefill.L0.attend_chunk", -1) + flops_of(plan.graph, "prefill.L0.attention", -1, true);
  CHECK(per_layer == Approx(4.0 * m.heads * m.head_dim * double(n) * n / 2).epsilon(1e-12));
  AND_THEN("the last rank carries the most attention: plain ring prefill is imbalanced") {
    if (p > 1) CHECK(flops_of(plan.graph, "prefill.L0.attend", p - 1) > flops_of(plan.graph, "prefill.L0.attend", 0));
  }
}

TEST_CASE("model: every device holds the weights, its KV shard and the new tokens' KV on the last",
          "[model][physics]") {
  const TransformerConfig m = load_transformer("llama3.1-8b");
  const GenerationPlan plan =
      plan_generation(m, {.prompt_tokens = 128000, .new_tokens = 10, .strategy = {.name = "tree"}}, one_node(8));
  for (const MemoryUse& use : plan.memory) CHECK(use.weights == m.weight_bytes());
  CHECK(plan.memory[0].kv_shard == 16000 * m.kv_bytes_per_token());
  CHECK(plan.memory[7].kv_shard == 16010 * m.kv_bytes_per_token());
}

TEST_CASE("model: the longest prompt that fits is where memory meets capacity", "[model]") {
  const TransformerConfig m = load_transformer("llama3.1-8b");
  const GenerationSpec spec{.new_tokens = 10, .strategy = {.name = "tree"}};
  const double capacity = 80e9;
  const std::int64_t longest = longest_prompt_that_fits(m, spec, one_node(8), capacity);
  REQUIRE(longest > 0);
  auto peak = [&](std::int64_t prompt) {
    GenerationSpec s = spec;
    s.prompt_tokens = prompt;
    double most = 0;
    for (const MemoryUse& use : plan_generation(m, s, one_node(8)).memory) most = std::max(most, use.total());
    return most;
  };
  CHECK(peak(longest) <= capacity);
  CHECK(peak(longest + 1) > capacity);
  AND_THEN("a model whose weights alone exceed the device never fits") {
    CHECK(longest_prompt_that_fits(load_transformer("llama3.1-70b"), spec, one_node(8), capacity) == 0);
  }
}

TEST_CASE("model: the reference-implementation options move exactly the bytes they imply", "[model][physics]") {
  // Llama 3.1-8B, 4 GPUs, ring decode of one token. GQA expansion sends all 32 query heads'
  // K/V instead of 8 KV heads (4x the hop bytes); the MAX allreduce adds 8 bytes per layer; the
  // query broadcast adds b·d bf16 elements per layer, and its barrier 4 bytes.
  const TransformerConfig m = load_transformer("llama3.1-8b");
  auto decode_bytes = [&](ReferenceOptions reference, OpKind kind, const std::string& name) {
    const GenerationPlan plan = plan_generation(
        m, {.prompt_tokens = 40000, .new_tokens = 2, .strategy = {.name = "ring"}, .reference = reference},
        one_node(4));
    double total = 0;
    for (const Op& op : plan.graph.ops())
      if (op.kind == kind && op.name.rfind("t1.", 0) == 0 && op.name.find(name) != std::string::npos) total += op.bytes;
    return total;
  };
  const double hops = decode_bytes({}, OpKind::shift, "kv_hop");
  CHECK(hops == m.layers * 3 * 2.0 * 10001 * m.kv_heads * m.head_dim * 2);  // 40001 tokens: largest shard 10001
  CHECK(decode_bytes({.gqa_expanded_kv = true}, OpKind::shift, "kv_hop") == hops * m.heads / m.kv_heads);
  CHECK(decode_bytes({}, OpKind::collective, "allreduce_max_length") == 0);
  CHECK(decode_bytes({.max_allreduce_before_ring = true}, OpKind::collective, "allreduce_max_length") ==
        m.layers * 8.0);
  CHECK(decode_bytes({.broadcast_query = true}, OpKind::collective, "broadcast_query") == m.layers * 4096.0 * 2);
  CHECK(decode_bytes({.broadcast_query = true}, OpKind::collective, "barrier") == m.layers * 4.0);
}
