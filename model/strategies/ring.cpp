// SPDX-License-Identifier: Apache-2.0
// Ring attention decode (Liu et al., 2023, as used for decode by Tree Attention's baseline):
// K/V chunks rotate around the ring of devices for p-1 hops while each device attends to the
// chunk in hand, merging (output, lse) into a running accumulator (ring_rotation.cpp). Every
// device moves 2·b·(N/p)·n_kv·d_h elements per hop: communication grows with the context.
#include <algorithm>

#include "model/strategy_parts/strategy_parts.hpp"

namespace clustersim::model {
namespace {

bool output_on_all(const StrategySpec& spec) { return spec.option("output") == "all"; }

std::vector<OpId> add_ring(TaskGraph& g, const StrategySpec& spec, const AttentionShape& shape,
                           const Placement& placement, const AttentionStep& step) {
  const bool on_all = output_on_all(spec);
  const int p = placement.size();
  const std::vector<int> ranks = all_ranks(placement);
  const std::vector<std::int64_t> tokens = shard_tokens(shape.context, p);
  const int newest = p - 1;
  const std::string& at = step.prefix;
  // Chunks differ by at most one token; every hop moves the largest (padded, as implementations do).
  const double chunk_bytes = shape.kv_bytes(static_cast<double>(*std::max_element(tokens.begin(), tokens.end())));
  // With the output on one device only the newest rank attends; the others only forward chunks.

  const std::vector<OpId> query = query_ready(g, shape, placement, step);
  RingRotation ring{
      .ranks = ranks, .chunk_bytes = chunk_bytes, .work_after = query, .rotate_after = step.after, .prefix = at};
  ring.work = [&](int hop, int rank) -> std::optional<KernelCost> {
    if (!on_all && rank != newest) return std::nullopt;
    const int origin = ((rank - hop) % p + p) % p;
    const KernelCost attend = kernels::partial_attention(shape, static_cast<double>(tokens[origin]));
    const KernelCost merge = kernels::merge(shape);
    return KernelCost{attend.flops + merge.flops, attend.hbm_bytes + merge.hbm_bytes};
  };
  return add_ring_rotation(g, ring);
}

std::vector<MemoryUse> ring_memory(const StrategySpec&, const AttentionShape& shape, const Placement& placement) {
  // Eq. 8: the shard, one incoming chunk, the query and the output; plus the running lse the
  // paper leaves out.
  const int p = placement.size();
  const std::vector<std::int64_t> tokens = shard_tokens(shape.context, p);
  const double chunk_bytes = shape.kv_bytes(static_cast<double>(*std::max_element(tokens.begin(), tokens.end())));
  std::vector<MemoryUse> memory;
  for (int rank = 0; rank < p; ++rank)
    memory.push_back({.kv_shard = shape.kv_bytes(static_cast<double>(tokens[rank])),
                      .receive_buffers = p > 1 ? chunk_bytes : 0,
                      .partials = statistic_bytes(shape),
                      .query_output = shape.query_bytes() + numerator_bytes(shape)});
  return memory;
}

}  // namespace

const Strategy& strategy_ring() {
  static const Strategy ring{
      .name = "ring",
      .long_name = "ring attention",
      .summary = "ring attention: K/V chunks rotate p-1 hops, each hop overlapped with attention on the chunk in hand",
      .options = {{.name = "output",
                   .values = {"all", "one"},
                   .label_suffix = {{"one", "+output_one"}},
                   .help = "all: every device ends with the output; one: only the last device attends"}},
      .add = add_ring,
      .memory = ring_memory,
      .output_on_every_rank = output_on_all,
      .moves_kv = true,
      .live_args =
          [](const StrategySpec& spec) {
            std::vector<std::string> args{"--strategy", "ring"};
            if (!output_on_all(spec)) args.push_back("--output-one");
            return args;
          },
      .compared_with = "tree",
  };
  return ring;
}

}  // namespace clustersim::model
