// SPDX-License-Identifier: Apache-2.0
// Scenario: the user's question as a YAML file — a topology (file or generator), a device
// profile, an attention workload, strategies and collective settings. Any list is a sweep;
// lists expand to their cartesian product of cases. Unknown keys and wrong types are errors
// with file:line:column and a suggestion. The format is documented in scenarios/README.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/input_error.hpp"
#include "model/attention.hpp"
#include "model/generation.hpp"
#include "model/strategy.hpp"
#include "model/transformer.hpp"
#include "sim/collective_settings.hpp"

namespace clustersim::scenarios {

/// A topology as the scenario names it: a graph file, or a generator with parameters.
struct TopologyRef {
  std::string file;                                    ///< path as written (resolved against topologies/ if not found)
  std::string generator;                               ///< generator name when file is empty
  std::vector<std::pair<std::string, double>> params;  ///< generator parameters, in file order

  /// `file`, or `generator:key=value,...` — the spec topo::topology_from_spec() accepts.
  std::string spec() const;
};

/// One point of the sweep: everything needed to plan and simulate one decode step.
struct Case {
  int index = 0;  ///< position in the expanded sweep
  TopologyRef topology;
  std::string device;  ///< profile short name or path
  int gpus = 0;        ///< GPUs used, the first `gpus` of the topology; 0 = all
  model::AttentionShape shape;
  model::StrategySpec strategy;
  sim::CollectiveSettings collectives;
  /// End-to-end generation: the model, when the workload names one. `shape` then holds one
  /// layer's attention at the prompt length, from the model's dims.
  std::optional<model::TransformerConfig> model;
  std::int64_t prompt_tokens = 0;     ///< with a model: tokens of the prompt
  int new_tokens = 0;                 ///< with a model: tokens generated (the first comes from prefill)
  model::ReferenceOptions reference;  ///< with a model: what a published implementation did
  SourceMark topology_at;             ///< where the scenario names the topology, for later errors
  SourceMark device_at;               ///< where it names the device profile
};

struct Scenario {
  std::string name;
  std::string description;
  std::string origin;  ///< file path, or "<embedded default>"
  std::vector<Case> cases;
};

/// Reads and expands a scenario file. Throws: InputError (file:line:column, element path,
/// reason, suggestion) for malformed YAML, unknown keys, wrong types, out-of-range values.
Scenario load_scenario(const std::string& path);

/// The same from text; `origin` is used in messages (a path, or a name in angle brackets).
Scenario parse_scenario(const std::string& yaml_text, const std::string& origin);

/// The scenario `clustersim simulate` runs when given none (a small tree-vs-ring sweep on one
/// DGX H100 node), as YAML text.
const std::string& default_scenario_yaml();

}  // namespace clustersim::scenarios
