// SPDX-License-Identifier: Apache-2.0
// The strategies' task graphs and memory against Tree Attention's formulas (§6.2–6.3).
#include <catch2/catch.hpp>

#include "model/strategy.hpp"

using namespace clustersim::model;

namespace {

/// b = 2, n_h = n_kv = 16, d_h = 128, N = 64k, everything fp32 so elements × 4 = bytes.
AttentionShape paper_shape() {
  return {.batch = 2,
          .heads = 16,
          .kv_heads = 16,
          .head_dim = 128,
          .context = 65536,
          .dtype = DType::fp32,
          .partials_dtype = DType::fp32};
}

Placement one_node(int p) { return {std::vector<int>(p, 0)}; }

double bytes_of_kind(const TaskGraph& g, OpKind kind, CollectiveKind collective = CollectiveKind::allreduce) {
  double total = 0;
  for (const Op& op : g.ops())
    if (op.kind == kind && (kind != OpKind::collective || op.collective == collective)) total += op.bytes;
  return total;
}

}  // namespace

TEST_CASE("model: tree decode allreduces b*d + 2*b*n_h elements, fused or not", "[model][physics]") {
  // Eq. 12–14: numerator b·d, denominator b·n_h, max b·n_h.
  const AttentionShape s = paper_shape();
  const double elements = s.batch * s.hidden() + 2.0 * s.batch * s.heads;
  for (bool fused : {false, true}) {
    const DecodePlan plan =
        plan_decode({.name = "tree", .options = {{"fuse_sums", fused ? "true" : "false"}}}, s, one_node(8));
    CHECK(bytes_of_kind(plan.graph, OpKind::collective) == elements * 4);
  }
}

TEST_CASE("model: ring decode makes p-1 hops of 2*b*(N/p)*n_kv*d_h elements", "[model][physics]") {
  const AttentionShape s = paper_shape();
  const int p = GENERATE(2, 4, 8);
  const DecodePlan plan = plan_decode({.name = "ring"}, s, one_node(p));
  int hops = 0;
  for (const Op& op : plan.graph.ops())
    if (op.kind == OpKind::shift) {
      ++hops;
      CHECK(op.bytes == 2.0 * s.batch * (s.context / p) * s.kv_heads * s.head_dim * 4);
    }
  CHECK(hops == p - 1);
}

TEST_CASE("model: peak memory follows Tree Attention Eq. 8 and 9", "[model][physics]") {
  // Eq. 9: Mem_tree = 2btd + 2bd + 2b·n_h. Eq. 8: Mem_ring = 4btd + 2bd, plus the running
  // log-sum-exp (b·n_h) that the paper leaves out. t = N/p, elements of 4 bytes.
  const AttentionShape s = paper_shape();
  const int p = 8;
  const double b = s.batch, t = s.context / p, d = s.hidden(), nh = s.heads;
  const DecodePlan tree = plan_decode({.name = "tree"}, s, one_node(p));
  const DecodePlan ring = plan_decode({.name = "ring"}, s, one_node(p));
  for (const MemoryUse& m : tree.memory) CHECK(m.total() == (2 * b * t * d + 2 * b * d + 2 * b * nh) * 4);
  for (const MemoryUse& m : ring.memory) CHECK(m.total() == (4 * b * t * d + 2 * b * d + b * nh) * 4);
  AND_THEN("the ring holds about twice the tree's memory at long contexts") {
    CHECK(ring.memory[0].total() / tree.memory[0].total() == Approx(2.0).epsilon(0.01));
  }
}

TEST_CASE("model: shards split the context with at most one token of difference", "[model]") {
  const auto tokens = shard_tokens(10, 4);
  CHECK(tokens == std::vector<std::int64_t>{3, 3, 2, 2});
}

TEST_CASE("model: topology-aware tree reduces inside nodes before crossing them", "[model]") {
  // 2 nodes × 4 GPUs, sums unfused: per statistic one reduce and one broadcast per node and one
  // allreduce among the two node leaders (ranks 0 and 4).
  const Placement placement{{0, 0, 0, 0, 1, 1, 1, 1}};
  const DecodePlan plan = plan_decode({.name = "tree_topology_aware"}, paper_shape(), placement);
  int reduces = 0, across = 0;
  for (const Op& op : plan.graph.ops()) {
    if (op.kind != OpKind::collective) continue;
    if (op.collective == CollectiveKind::reduce) ++reduces;
    if (op.collective == CollectiveKind::allreduce) {
      ++across;
      CHECK(op.ranks == std::vector<int>{0, 4});
    }
  }
  CHECK(reduces == 3 * 2);
  CHECK(across == 3);
}

TEST_CASE("model: single-device decode refuses more than one device", "[model][errors]") {
  CHECK_THROWS_AS(plan_decode({.name = "single"}, paper_shape(), one_node(2)), std::invalid_argument);
  CHECK_THROWS_AS(plan_decode({.name = "trees"}, paper_shape(), one_node(2)), std::invalid_argument);
}
