// SPDX-License-Identifier: Apache-2.0
// Decode strategies: how one attention layer's decode step is split over p devices. A strategy
// turns (attention shape, placement) into a TaskGraph plus the memory each device holds.
// Implementations live one per file in model/strategies/.
#pragma once

#include <string>
#include <vector>

#include "model/attention.hpp"
#include "model/task_graph.hpp"

namespace clustersim::model {

/// Which machine each rank sits in; ranks in one node can use hierarchical schemes.
struct Placement {
  std::vector<int> node_of_rank;  ///< node index per rank, ranks 0..p-1

  int size() const { return static_cast<int>(node_of_rank.size()); }
  /// Ranks grouped by node, nodes in order of first appearance, ranks ascending.
  std::vector<std::vector<int>> ranks_by_node() const;
};

/// Bytes one device holds at its peak, by purpose (Tree Attention §6.2, Eq. 8–9; weights and
/// activations for whole models).
struct MemoryUse {
  double kv_shard = 0;         ///< the device's slice of K and V (all layers, for a whole model)
  double receive_buffers = 0;  ///< incoming K/V chunks (ring)
  double partials = 0;         ///< numerator, denominator, max / lse being reduced
  double query_output = 0;     ///< the query and the output buffer
  double weights = 0;          ///< model weights held by the device
  double activations = 0;      ///< working buffers of the dense layers

  double total() const { return kv_shard + receive_buffers + partials + query_output + weights + activations; }
};

/// A strategy by name with its options.
struct StrategySpec {
  std::string name = "tree";  ///< one of strategy_names()
  bool fuse_sums = false;     ///< tree: one allreduce for numerator and denominator together
  bool output_on_all = true;  ///< ring: every device ends with the output (else only the last)

  /// Name plus non-default options, e.g. `tree+fused`, `ring+output_one`.
  std::string label() const;
};

struct DecodePlan {
  TaskGraph graph;
  std::vector<MemoryUse> memory;  ///< per rank
};

/// Where one layer's decode attention goes inside a larger graph (a whole model's step).
struct AttentionStep {
  std::vector<OpId> after;      ///< ops the attention waits for, e.g. the QKV projection
  bool broadcast_query = true;  ///< false when every rank computed the query itself
  std::string prefix;           ///< prepended to op names, e.g. `L3.`
};

/// single, tree, tree_topology_aware, ring
std::vector<std::string> strategy_names();

/// Adds one layer's decode attention to `graph`; returns the ops after which every rank that
/// needs the output holds it. Requires and throws as plan_decode.
std::vector<OpId> add_decode_attention(TaskGraph& graph, const StrategySpec& spec, const AttentionShape& shape,
                                       const Placement& placement, const AttentionStep& step);

/// The memory each rank holds for one layer's decode attention (Tree Attention Eq. 8–9).
std::vector<MemoryUse> decode_attention_memory(const StrategySpec& spec, const AttentionShape& shape,
                                               const Placement& placement);

/// The task graph and memory of one decode step of `shape` over `placement`.
/// Requires: spec.name in strategy_names(); single needs placement.size() == 1.
/// Throws: std::invalid_argument for an unknown name or an impossible placement.
DecodePlan plan_decode(const StrategySpec& spec, const AttentionShape& shape, const Placement& placement);

}  // namespace clustersim::model
