// SPDX-License-Identifier: Apache-2.0
// Scenario parsing and sweep expansion. Each sweepable key becomes an axis — a list of setters,
// one per value — and the cases are the cartesian product of the axes, the first axis
// outermost: topology parameters (file order), gpus, workload keys (file order; with a model,
// prompt_tokens and new_tokens among them), strategies.
// The format and the order are documented in scenarios/README.md.
#include "scenarios/scenario.hpp"

#include <filesystem>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "common/input_error.hpp"
#include "common/output_dir.hpp"
#include "common/yaml_reader.hpp"

namespace clustersim::scenarios {
namespace {

using yaml::Item;

constexpr std::int64_t kMaxInt = std::numeric_limits<int>::max();
constexpr std::size_t kMaxCases = 1'000'000;  // a typo like context: [..., 1e9 values] stops here

const std::vector<std::string> kTopLevelKeys = {"name",       "description", "topology",
                                                "device",     "gpus",        "workload",
                                                "strategies", "collectives", "reference_implementation"};
const std::vector<std::string> kWorkloadKeys = {"batch", "heads",          "kv_heads", "head_dim",      "context",
                                                "dtype", "partials_dtype", "model",    "prompt_tokens", "new_tokens"};
const std::vector<std::string> kModelDims = {"heads", "kv_heads", "head_dim", "context", "dtype"};  // from `model`
const std::vector<std::string> kGenerationKeys = {"prompt_tokens", "new_tokens"};                   // only with it
const char* const kSweepNote =
    "a list is a sweep; the keys that take one are topology generator parameters, gpus, batch, heads, "
    "kv_heads, head_dim, context, dtype, prompt_tokens, new_tokens and strategies";

// The case under construction, plus what the checks after expansion need to point at.
struct Draft {
  Case c;
  std::optional<Item> kv_heads;  // set when the file gives kv_heads (else it follows heads)
};
using Axis = std::vector<std::function<void(Draft&)>>;

// Every option some strategy takes: the keys a strategy map may hold.
std::vector<std::string> all_strategy_options() {
  std::vector<std::string> keys;
  for (const model::Strategy* s : model::strategies())
    for (const model::StrategyOption& o : s->options)
      if (std::find(keys.begin(), keys.end(), o.name) == keys.end()) keys.push_back(o.name);
  return keys;
}

Item single(const Item& item) {
  if (item.node.IsSequence())
    yaml::fail(item, fmt::format("expected one value, got a list{}", yaml::in_path(item.path)), kSweepNote);
  return item;
}

model::DType read_dtype(const Item& item) {
  const std::string text = yaml::as_string(item);
  if (const auto dtype = model::dtype_from_string(text)) return *dtype;
  yaml::fail(item, fmt::format("unknown dtype '{}'{}", text, yaml::in_path(item.path)),
             suggestion_note(text, model::dtype_names(), "valid dtypes"));
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return text;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// A relative path is read from the working directory, or else next to the scenario file.
std::string near_scenario(const std::string& path, const SourceMark& scenario) {
  const std::filesystem::path beside = std::filesystem::path(scenario.file).parent_path() / path;
  if (std::filesystem::path(path).is_relative() && !std::filesystem::exists(path) && std::filesystem::exists(beside))
    return beside.string();
  return path;
}

// Looks `item` up among `names` ignoring case (NCCL spells protocols LL, LL128, Simple).
std::string read_choice(const Item& item, const std::vector<std::string>& names, const std::string& what) {
  const std::string text = yaml::as_string(single(item));
  for (const std::string& name : names)
    if (lowercase(name) == lowercase(text)) return name;
  yaml::fail(item, fmt::format("unknown {} '{}'{}", what, text, yaml::in_path(item.path)),
             suggestion_note(text, names, "valid values"));
}

void read_topology(const Item& topo, Draft& base, std::vector<Axis>& axes) {
  base.c.topology_at = topo.mark;
  const char* const example = "e.g. {generator: dgx_h100_cluster, nodes: 16} or {file: topologies/dgx_h100.graphml}";
  if (!topo.node.IsMap())
    yaml::fail(
        topo, fmt::format("expected a map with 'file' or 'generator', got {} in 'topology'", yaml::describe(topo.node)),
        example);
  const auto file = yaml::find(topo, "file");
  const auto generator = yaml::find(topo, "generator");
  if (file && generator) yaml::fail(*generator, "'topology' has both 'file' and 'generator'", "give one of them");
  if (file) {
    yaml::check_keys(topo, {"file"});
    base.c.topology.file = near_scenario(yaml::as_string(single(*file)), topo.mark);
    base.c.topology_at = file->mark;
    return;
  }
  if (!generator) {
    for (const yaml::Entry& entry : yaml::entries(topo))
      if (!closest_match(entry.key, {"file", "generator"}).empty())
        yaml::fail(entry.key_item, fmt::format("unknown key '{}' in 'topology'", entry.key),
                   suggestion_note(entry.key, {"file", "generator"}));
    yaml::fail(topo, "'topology' needs a 'file' or a 'generator' key", example);
  }
  // Generator parameters are checked by the topology library; here only their shape: numbers.
  std::vector<std::string> present;
  for (const yaml::Entry& entry : yaml::entries(topo)) present.push_back(entry.key);
  yaml::check_keys(topo, present);  // rejects repeated keys
  base.c.topology.generator = yaml::as_string(single(*generator));
  for (const yaml::Entry& entry : yaml::entries(topo)) {
    if (entry.key == "generator") continue;
    Axis axis;
    for (const Item& value : yaml::sweep_values(entry.value)) {
      const double number = yaml::as_number(value);
      axis.push_back([key = entry.key, number](Draft& d) { d.c.topology.params.emplace_back(key, number); });
    }
    axes.push_back(std::move(axis));
  }
}

Axis read_gpus(const Item& gpus) {
  Axis axis;
  for (const Item& value : yaml::sweep_values(gpus)) {
    int count = 0;  // all
    if (!value.node.IsScalar() || value.node.Scalar() != "all") {
      try {
        count = static_cast<int>(yaml::as_positive_integer(value, false, kMaxInt));
      } catch (const InputError&) {
        yaml::fail(value, fmt::format("expected 'all' or a positive integer, got {}{}", yaml::describe(value.node),
                                      yaml::in_path(value.path)));
      }
    }
    axis.push_back([count](Draft& d) { d.c.gpus = count; });
  }
  return axis;
}

// The model `item` names: a shipped model's name, the path of a model file, or a map of dims
// inline (the model/models format). An unknown name is reported at `item`; a problem inside a
// model file, at its own line.
model::TransformerConfig read_model(const Item& item) {
  if (item.node.IsMap()) {
    model::TransformerConfig config = model::read_transformer(item);
    config.origin = "<scenario>";
    return config;
  }
  const std::string name = yaml::as_string(single(item));
  try {
    return model::load_transformer(near_scenario(name, item.mark));
  } catch (const InputError& e) {
    if (!e.mark().file.empty()) throw;
    yaml::fail(item, e.message(), e.note());
  }
}

// Rejects the keys that do not go with the workload's kind: with a model, the attention dims it
// gives; without one, the generation keys.
void check_workload_kind(const Item& workload, const model::TransformerConfig* config) {
  for (const yaml::Entry& entry : yaml::entries(workload)) {
    if (config && contains(kModelDims, entry.key))
      yaml::fail(entry.key_item, fmt::format("'{}' comes from the model; remove it or drop 'model'", entry.key),
                 fmt::format("model '{}' has heads {}, kv_heads {}, head_dim {} and dtype {}; the context is "
                             "'prompt_tokens'",
                             config->name, config->heads, config->kv_heads, config->head_dim,
                             model::to_string(config->dtype)));
    if (!config && contains(kGenerationKeys, entry.key))
      yaml::fail(entry.key_item, fmt::format("'{}' is allowed only with 'model'", entry.key),
                 "name a model (e.g. `model: llama3.1-8b`) to simulate generation, or drop it and give 'context'");
  }
}

// One axis per sweepable workload key, in file order; `model` and `partials_dtype` take one
// value each, set on the base. A model's attention shape is set per case by finish().
void read_workload(const Item& workload, Draft& base, std::vector<Axis>& axes) {
  yaml::check_keys(workload, kWorkloadKeys);
  if (const auto item = yaml::find(workload, "model")) base.c.model = read_model(*item);
  check_workload_kind(workload, base.c.model ? &*base.c.model : nullptr);
  if (base.c.model) {
    for (const std::string& key : kGenerationKeys) yaml::require(workload, key);
  } else {
    yaml::require(workload, "context");
  }
  for (const yaml::Entry& entry : yaml::entries(workload)) {
    const std::string& key = entry.key;
    if (key == "model") continue;
    if (key == "partials_dtype") {
      base.c.shape.partials_dtype = read_dtype(single(entry.value));
      continue;
    }
    Axis axis;
    for (const Item& value : yaml::sweep_values(entry.value)) {
      if (key == "context" || key == "prompt_tokens") {
        const std::int64_t tokens = yaml::as_positive_integer(value, true);
        if (key == "context") axis.push_back([tokens](Draft& d) { d.c.shape.context = tokens; });
        if (key == "prompt_tokens") axis.push_back([tokens](Draft& d) { d.c.prompt_tokens = tokens; });
      } else if (key == "dtype") {
        const model::DType dtype = read_dtype(value);
        axis.push_back([dtype](Draft& d) { d.c.shape.dtype = dtype; });
      } else {
        const int n = static_cast<int>(yaml::as_positive_integer(value, false, kMaxInt));
        if (key == "batch") axis.push_back([n](Draft& d) { d.c.shape.batch = n; });
        if (key == "heads") axis.push_back([n](Draft& d) { d.c.shape.heads = n; });
        if (key == "head_dim") axis.push_back([n](Draft& d) { d.c.shape.head_dim = n; });
        if (key == "new_tokens") axis.push_back([n](Draft& d) { d.c.new_tokens = n; });
        if (key == "kv_heads")
          axis.push_back([n, value](Draft& d) {
            d.kv_heads = value;
            d.c.shape.kv_heads = n;
          });
      }
    }
    axes.push_back(std::move(axis));
  }
}

// Completes a case once its sweep values are set: with a model, the attention of one layer at
// the prompt length (keeping batch and partials_dtype); without, kv_heads defaults to heads and
// must divide it.
void finish(Draft& draft) {
  model::AttentionShape& shape = draft.c.shape;
  if (draft.c.model) {
    const model::DType partials = shape.partials_dtype;
    shape = draft.c.model->attention(draft.c.prompt_tokens, shape.batch);
    shape.partials_dtype = partials;
    return;
  }
  if (!draft.kv_heads) shape.kv_heads = shape.heads;
  if (shape.heads % shape.kv_heads != 0)
    yaml::fail(*draft.kv_heads,
               fmt::format("kv_heads {} does not divide heads {}{}", shape.kv_heads, shape.heads,
                           yaml::in_path(draft.kv_heads->path)),
               "grouped-query attention shares each KV head among heads / kv_heads query heads");
}

/// A number option's value, checked against its range, as the shortest text that reads back.
std::string read_option_number(const Item& item, const model::StrategyOption& option) {
  const double value = yaml::as_number(item);
  const model::NumberRange& range = *option.number;
  if (!(value >= range.min && value <= range.max) || (range.integer && value != std::floor(value)))
    yaml::fail(item,
               fmt::format("{} {} is outside {}{}", option.name, yaml::as_string(item),
                           range.integer ? fmt::format("the integers {}..{}", range.min, range.max)
                                         : fmt::format("[{}, {}]", range.min, range.max),
                           yaml::in_path(item.path)),
               option.help);
  return fmt::format("{}", value);
}

model::StrategySpec read_strategy(const Item& item) {
  if (!item.node.IsScalar() && !item.node.IsMap())
    yaml::fail(item, fmt::format("expected a strategy name or a map {{name: ..., <option>: ...}}, got {}{}",
                                 yaml::describe(item.node), yaml::in_path(item.path)));
  model::StrategySpec spec;
  const Item name = item.node.IsMap() ? yaml::require(item, "name") : item;
  spec.name = yaml::as_string(name);
  const std::vector<std::string> names = model::strategy_names();
  if (!contains(names, spec.name))
    yaml::fail(name, fmt::format("unknown strategy '{}'{}", spec.name, yaml::in_path(name.path)),
               suggestion_note(spec.name, names, "valid strategies"));
  if (!item.node.IsMap()) return spec;

  std::vector<std::string> allowed = {"name"};
  const std::vector<std::string> keys = all_strategy_options();
  allowed.insert(allowed.end(), keys.begin(), keys.end());
  yaml::check_keys(item, allowed);
  const model::Strategy& strategy = model::strategy(spec.name);
  std::vector<std::string> options;
  for (const model::StrategyOption& o : strategy.options) options.push_back(o.name);
  for (const yaml::Entry& entry : yaml::entries(item)) {
    if (entry.key == "name") continue;
    const auto option = std::find_if(strategy.options.begin(), strategy.options.end(),
                                     [&](const model::StrategyOption& o) { return o.name == entry.key; });
    if (option == strategy.options.end())
      yaml::fail(entry.key_item, fmt::format("option '{}' does not apply to strategy '{}'", entry.key, spec.name),
                 options.empty() ? fmt::format("'{}' takes no options", spec.name)
                                 : fmt::format("options of '{}': {}", spec.name, fmt::join(options, ", ")));
    if (!option->excludes.empty() && yaml::find(item, option->excludes))
      yaml::fail(
          entry.key_item,
          fmt::format("'{}' and '{}' cannot both be given to strategy '{}'", entry.key, option->excludes, spec.name),
          option->help);
    if (option->read_file) {
      const std::string path = near_scenario(yaml::as_string(single(entry.value)), entry.value.mark);
      option->read_file(path);
      spec.options[entry.key] = path;
    } else if (option->number) spec.options[entry.key] = read_option_number(single(entry.value), *option);
    else
      spec.options[entry.key] = option->is_flag() ? (yaml::as_bool(single(entry.value)) ? "true" : "false")
                                                  : read_choice(entry.value, option->values, entry.key);
  }
  return spec;
}

Scenario build(const Item& root) {
  yaml::check_keys(root, kTopLevelKeys);
  Scenario scenario;
  scenario.origin = root.mark.file;
  const Item name = single(yaml::require(root, "name"));
  scenario.name = yaml::as_string(name);
  if (!is_plain_file_name(scenario.name))
    yaml::fail(name, "the name is also the results' folder under results/: give one plain file name",
               "no '/', not '.' or '..', no control characters");
  if (const auto description = yaml::find(root, "description"))
    scenario.description = yaml::as_string(single(*description));

  Draft base;
  std::vector<Axis> axes;
  read_topology(yaml::require(root, "topology"), base, axes);
  const Item device = yaml::require(root, "device");
  base.c.device = yaml::as_string(single(device));
  // A path (not a shipped profile's name) is found next to the scenario, as topology and model files are.
  if (base.c.device.find('/') != std::string::npos || std::filesystem::path(base.c.device).has_extension())
    base.c.device = near_scenario(base.c.device, device.mark);
  base.c.device_at = device.mark;
  if (const auto gpus = yaml::find(root, "gpus")) axes.push_back(read_gpus(*gpus));
  read_workload(yaml::require(root, "workload"), base, axes);
  Axis strategies;
  for (const Item& item : yaml::sweep_values(yaml::require(root, "strategies"))) {
    const model::StrategySpec spec = read_strategy(item);
    strategies.push_back([spec](Draft& d) { d.c.strategy = spec; });
  }
  axes.push_back(std::move(strategies));
  if (const auto collectives = yaml::find(root, "collectives")) {
    yaml::check_keys(*collectives, {"library", "algorithm", "protocol"});
    if (const auto library = yaml::find(*collectives, "library"))
      base.c.collectives.library =
          *sim::library_from_string(read_choice(*library, sim::library_names(), "collective library"));
    if (base.c.collectives.library == sim::Library::mpi)
      for (const char* nccl_only : {"algorithm", "protocol"})
        if (const auto item = yaml::find(*collectives, nccl_only))
          yaml::fail(*item, fmt::format("'collectives.{}' applies to library nccl, not mpi", nccl_only),
                     "with library mpi, allreduce follows Open MPI 4.1's fixed decision and messages have no "
                     "NCCL protocol; remove the key");
    if (const auto algorithm = yaml::find(*collectives, "algorithm"))
      base.c.collectives.algorithm =
          *sim::algorithm_from_string(read_choice(*algorithm, sim::algorithm_names(), "collective algorithm"));
    if (const auto protocol = yaml::find(*collectives, "protocol"))
      base.c.collectives.protocol =
          *sim::protocol_from_string(read_choice(*protocol, sim::protocol_names(), "collective protocol"));
  }

  if (const auto reference = yaml::find(root, "reference_implementation")) {
    yaml::check_keys(*reference, {"gqa_expanded_kv", "max_allreduce_before_ring", "broadcast_query"});
    model::ReferenceOptions& options = base.c.reference;
    if (const auto v = yaml::find(*reference, "gqa_expanded_kv")) options.gqa_expanded_kv = yaml::as_bool(*v);
    if (const auto v = yaml::find(*reference, "max_allreduce_before_ring"))
      options.max_allreduce_before_ring = yaml::as_bool(*v);
    if (const auto v = yaml::find(*reference, "broadcast_query")) options.broadcast_query = yaml::as_bool(*v);
    if (!base.c.model)
      yaml::fail(*reference, "'reference_implementation' applies to end-to-end generation only",
                 "name a model in 'workload'");
  }

  std::size_t total = 1;
  for (const Axis& axis : axes) {
    if (total > kMaxCases / axis.size())
      yaml::fail(root, fmt::format("the sweep expands to more than {} cases", kMaxCases),
                 "split it into several scenarios");
    total *= axis.size();
  }
  // Case n picks value (n / stride_k) % size_k of axis k; the last axis has stride 1.
  scenario.cases.reserve(total);
  for (std::size_t n = 0; n < total; ++n) {
    Draft draft = base;
    std::size_t stride = total;
    for (const Axis& axis : axes) {
      stride /= axis.size();
      axis[(n / stride) % axis.size()](draft);
    }
    finish(draft);
    draft.c.index = static_cast<int>(n);
    scenario.cases.push_back(std::move(draft.c));
  }
  return scenario;
}

}  // namespace

std::string TopologyRef::spec() const {
  if (!file.empty()) return file;
  std::string text = generator;
  for (std::size_t i = 0; i < params.size(); ++i)
    text += fmt::format("{}{}={}", i == 0 ? ':' : ',', params[i].first, params[i].second);
  return text;
}

Scenario load_scenario(const std::string& path) { return build(yaml::load_yaml(path, "scenario file")); }

Scenario parse_scenario(const std::string& yaml_text, const std::string& origin) {
  return build(yaml::parse_yaml(yaml_text, origin));
}

const std::string& default_scenario_yaml() {
  static const std::string text =
      R"(# The scenario `clustersim simulate` runs when given none: tree vs ring attention decode on
# one DGX H100 node (8 GPUs), in the conditions of Tree Attention (Shyam et al. 2024) §6.1.
name: default
description: tree vs ring attention decode on one DGX H100 node
topology:
  generator: dgx_h100_cluster
  nodes: 1
device: h100_sxm
workload:
  batch: 1
  heads: 16
  kv_heads: 16
  head_dim: 128
  context: [80k, 320k, 1.28M, 5.12M]
  dtype: bf16
strategies: [tree, ring]
)";
  return text;
}

}  // namespace clustersim::scenarios
