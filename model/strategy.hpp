// SPDX-License-Identifier: Apache-2.0
// Decode strategies: how one attention layer's decode step is split over p devices. A strategy
// turns (attention shape, placement) into a TaskGraph plus the memory each device holds.
// Each strategy is one descriptor (Strategy) in its own file in model/strategies/.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/attention.hpp"
#include "model/task_graph.hpp"
#include "topologies/topology.hpp"

namespace clustersim::model {

/// Which machine each rank sits in; ranks in one node can use hierarchical schemes.
struct Placement {
  std::vector<int> node_of_rank;  ///< node index per rank, ranks 0..p-1

  int size() const { return static_cast<int>(node_of_rank.size()); }
  /// Ranks grouped by node, nodes in order of first appearance, ranks ascending.
  std::vector<std::vector<int>> ranks_by_node() const;
};

/// The placement of ranks on `vertices` of `topology` (rank r on vertices[r]): nodes numbered in
/// order of first appearance.
Placement placement_on(const topo::Topology& topology, const std::vector<int>& vertices);

/// Bytes one device holds at its peak, by purpose (Tree Attention §6.2, Eq. 8–9; weights and
/// activations for whole models).
struct MemoryUse {
  double kv_shard = 0;         ///< the device's slice of K and V (all layers, for a whole model)
  double receive_buffers = 0;  ///< incoming K/V chunks (ring)
  double partials = 0;         ///< numerator, denominator, max / lse being reduced
  double query_output = 0;     ///< the query and the output buffer
  double weights = 0;          ///< model weights held by the device
  double activations = 0;      ///< working buffers of the dense layers
  double host_kv = 0;          ///< K and V kept in the host memory tier instead (offloading); not in total()
  double disk_kv = 0;          ///< K and V kept on the disk tier instead (offloading); not in total()

  /// Bytes on the device.
  double total() const { return kv_shard + receive_buffers + partials + query_output + weights + activations; }
};

/// A strategy by name with its option values, as a scenario gives it.
struct StrategySpec {
  std::string name = "tree";                   ///< a registered strategy's name
  std::map<std::string, std::string> options;  ///< option -> value; an option not given has its default

  /// The option's value, or its default. Throws: std::invalid_argument for an option the
  /// strategy does not have.
  std::string option(const std::string& option_name) const;
  /// option(...) == "true", for the yes/no options.
  bool flag(const std::string& option_name) const { return option(option_name) == "true"; }
  /// option(...) as a number, for the number options.
  double number(const std::string& option_name) const;
  /// Name plus the marks of its non-default options, e.g. `tree+fused`, `ring+output_one`.
  std::string label() const;
};

/// Where a strategy keeps the KV cache: the share on the device, and how many layers' worth of
/// fetch buffers the device holds for the rest (offloading).
struct KvResidence {
  double device_fraction = 1;        ///< of every layer's K and V, the share that stays on the device
  int buffer_layers = 0;             ///< device buffers, each one layer's offloaded share
  HostTier tier = HostTier::memory;  ///< where the rest lives
  /// Tokens per sequence whose K and V of every layer the device also holds (a block cache and
  /// the blocks attended to), at most the cache's.
  double resident_tokens = 0;
  /// Metadata the device keeps beside, as a share of the whole cache's bytes (landmark keys).
  double metadata_fraction = 0;
};

struct DecodePlan {
  TaskGraph graph;
  std::vector<MemoryUse> memory;  ///< per rank
};

/// The decode layers of one graph so far, in order over every step, for strategies that work
/// ahead (an offloading strategy fetches the KV of later layers while earlier ones compute).
/// add_decode_attention() appends a layer before calling the strategy and sets its `done` after.
struct LayerHistory {
  struct Layer {
    std::vector<OpId> start;  ///< what its attention waited for (step.after)
    std::vector<OpId> done;   ///< the ops its attention ended with
  };
  int layers_per_step = 1;  ///< layers of one decode step
  int total_layers = 1;     ///< decode layers the graph will have: nothing is fetched past them
  std::vector<Layer> layers;
  /// Ops added ahead of a layer that its attention waits for (its prefetched KV), by layer.
  std::map<int, std::vector<OpId>> prepared;
};

/// Where one layer's decode attention goes inside a larger graph (a whole model's step).
struct AttentionStep {
  std::vector<OpId> after;          ///< ops the attention waits for, e.g. the QKV projection
  bool broadcast_query = true;      ///< false when every rank computed the query itself
  std::string prefix;               ///< prepended to op names, e.g. `L3.`
  LayerHistory* history = nullptr;  ///< the graph's decode layers so far; none: a lone layer
};

/// The values a number option takes: [min, max], integers only when `integer`.
struct NumberRange {
  double min = 0;
  double max = 0;
  bool integer = false;
};

/// One option of a strategy, as a scenario's `{name: <strategy>, <option>: <value>}` gives it.
struct StrategyOption {
  std::string name;                                 ///< its key, e.g. `fuse_sums`
  std::vector<std::string> values;                  ///< the values it takes, its default first; a number: the default
  std::map<std::string, std::string> label_suffix;  ///< value -> its mark on the label, e.g. `+fused`
  std::string help;                                 ///< one line for the docs
  /// A number option: its range. Its label mark, when not the default, is `+<name>=<value>`.
  std::optional<NumberRange> number;
  /// A file option (its default empty: none): reads and checks the file, throwing InputError
  /// with the file's line for a bad one. Its label mark is `+<name>=<file name>`.
  std::function<void(const std::string& path)> read_file;
  /// An option that cannot be given together with this one.
  std::string excludes;

  /// A yes/no option: its values are false (the default) and true.
  bool is_flag() const { return values == std::vector<std::string>{"false", "true"}; }
};

/// How many of the placement's devices a strategy uses.
enum class RankUse {
  one,  ///< one device, whatever the case offers (the single-device baseline)
  all,  ///< every device of the case
};

/// A decode strategy: everything the rest of clustersim asks of one, so that nothing outside its
/// file compares its name. One per file in model/strategies/, each file defining
/// `const Strategy& strategy_<file name>()`; the build lists them (registered_strategies).
struct Strategy {
  using AddFn = std::function<std::vector<OpId>(TaskGraph&, const StrategySpec&, const AttentionShape&,
                                                const Placement&, const AttentionStep&)>;
  using MemoryFn = std::function<std::vector<MemoryUse>(const StrategySpec&, const AttentionShape&, const Placement&)>;
  using SpecFn = std::function<bool(const StrategySpec&)>;
  using LiveArgsFn = std::function<std::vector<std::string>(const StrategySpec&)>;
  using ResidenceFn = std::function<KvResidence(const StrategySpec&)>;
  using CheckFn = std::function<void(const StrategySpec&, const AttentionShape&, int layers)>;

  std::string name;       ///< as scenarios and results spell it
  std::string long_name;  ///< in prose, e.g. "tree attention"
  std::string summary;    ///< one line: what it does
  std::vector<StrategyOption> options;
  RankUse ranks = RankUse::all;
  /// Adds one layer's decode attention after `step.after`; returns the ops after which every rank
  /// that needs the output holds it. Throws std::invalid_argument for an impossible placement.
  AddFn add;
  /// The bytes each rank holds for one layer's decode attention.
  MemoryFn memory;
  /// Checks the spec's input files against a case: `shape` at the case's longest context, the
  /// model's `layers` (1 without a model). Throws InputError naming the file and line.
  CheckFn check_inputs;
  /// Where the KV cache lives; by default all of it on the devices.
  ResidenceFn kv_residence = [](const StrategySpec&) { return KvResidence{}; };
  /// Whether every rank ends with the output (else only the last one).
  SpecFn output_on_every_rank = [](const StrategySpec&) { return true; };
  /// K/V chunks travel between the ranks (each rank holds a second, incoming chunk).
  bool moves_kv = false;
  /// The rank programs' arguments that run it live (`--strategy <kernel>` and its options);
  /// empty when no live backend runs it.
  LiveArgsFn live_args;
  /// Tables and reports show this strategy's latency over this other one's (`ring / tree`).
  std::string compared_with;
};

/// Every registered strategy, by name in alphabetical order.
const std::vector<const Strategy*>& strategies();
/// The strategy of that name, or nullptr.
const Strategy* find_strategy(const std::string& name);
/// The strategy of that name. Throws: std::invalid_argument naming the valid ones.
const Strategy& strategy(const std::string& name);
/// The registered names, in alphabetical order.
std::vector<std::string> strategy_names();

/// How many devices of the `offered` the strategy runs on.
int devices_used(const StrategySpec& spec, int offered);

/// Adds one layer's decode attention to `graph`; returns the ops after which every rank that
/// needs the output holds it. Requires and throws as plan_decode.
std::vector<OpId> add_decode_attention(TaskGraph& graph, const StrategySpec& spec, const AttentionShape& shape,
                                       const Placement& placement, const AttentionStep& step);

/// The memory each rank holds for one layer's decode attention (Tree Attention Eq. 8–9).
std::vector<MemoryUse> decode_attention_memory(const StrategySpec& spec, const AttentionShape& shape,
                                               const Placement& placement);

/// The task graph and memory of one decode step of `shape` over `placement`.
/// Throws: std::invalid_argument for an unknown name or an impossible placement.
DecodePlan plan_decode(const StrategySpec& spec, const AttentionShape& shape, const Placement& placement);

}  // namespace clustersim::model
