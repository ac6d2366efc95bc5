// SPDX-License-Identifier: Apache-2.0
// Generation: a whole model answering one prompt — the prefill that yields the first token, then
// one decode step per further token — as a single task graph over the devices, with what each
// device holds in memory. The dense layers (projections, MLP, LM head) are replicated on every
// device, as sequence-parallel inference does; attention uses a decode strategy per layer, and
// prefill uses causal ring attention over the prompt's shards (one device: plain causal
// attention).
#pragma once

#include <cstdint>
#include <limits>

#include "model/strategy.hpp"
#include "model/transformer.hpp"

namespace clustersim::model {

/// What a published implementation did beyond the clean strategies (Tree Attention's PyTorch
/// code, tree_attention.md §1.4 and §4.4), so that the simulator can reproduce it.
struct ReferenceOptions {
  bool gqa_expanded_kv = false;            ///< K/V expanded to all query heads before attention (repeat_kv)
  bool max_allreduce_before_ring = false;  ///< ring decode: a scalar MAX allreduce and host sync first
  bool broadcast_query = false;            ///< per layer, the newest query broadcast from the last rank, then a barrier
};

struct GenerationSpec {
  int batch = 1;
  std::int64_t prompt_tokens = 0;
  int new_tokens = 1;     ///< tokens generated; the first comes out of the prefill
  StrategySpec strategy;  ///< decode attention
  ReferenceOptions reference;
};

struct GenerationPlan {
  TaskGraph graph;
  OpId first_token = -1;          ///< the op whose end is the time to first token
  std::vector<MemoryUse> memory;  ///< per rank, at its peak
};

/// The generation of `spec.new_tokens` tokens after a `spec.prompt_tokens` prompt.
/// Kernel costs follow an eager framework: per layer 4 kernel launches before attention (norm,
/// QKV projection, two rotary embeddings), 2 after it (output projection, residual) and 6 for
/// the MLP (norm, gate and up, activation, down, residual).
/// Requires: prompt_tokens >= placement.size(), new_tokens >= 1.
/// Throws: std::invalid_argument otherwise, or for an unknown strategy.
GenerationPlan plan_generation(const TransformerConfig& model, const GenerationSpec& spec, const Placement& placement);

/// The longest prompt whose generation fits in `capacity_bytes` per device and, for what an
/// offloading strategy keeps in host memory or on disk, `host_capacity_bytes` per device (its
/// share of the tier it uses; 0 if none does),
/// by bisection over the memory the plan would need.
std::int64_t longest_prompt_that_fits(const TransformerConfig& model, GenerationSpec spec, const Placement& placement,
                                      double capacity_bytes,
                                      double host_capacity_bytes = std::numeric_limits<double>::infinity());

/// The largest batch whose generation of `spec`'s prompt fits, as longest_prompt_that_fits
/// judges it (0 if not even one sequence does).
int largest_batch_that_fits(const TransformerConfig& model, GenerationSpec spec, const Placement& placement,
                            double capacity_bytes,
                            double host_capacity_bytes = std::numeric_limits<double>::infinity());

}  // namespace clustersim::model
