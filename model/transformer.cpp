// SPDX-License-Identifier: Apache-2.0
// Transformer models: the parameter, KV-cache and dense-FLOP counts of a Llama-style decoder
// (GQA attention, gated SiLU MLP, RMSNorm, no biases; the layout of Hugging Face's
// LlamaForCausalLM) and the reader for model/models/*.yaml. Every dim is {value, source}: a
// dim without a provenance is rejected, as a device profile's figure is.
#include "model/transformer.hpp"

#include <algorithm>
#include <filesystem>
#include <limits>

#include <fmt/format.h>

#include "common/data_path.hpp"
#include "common/input_error.hpp"
#include "common/read_file.hpp"
#include "common/yaml_reader.hpp"

namespace clustersim::model {
namespace {

const std::vector<std::string> kKeys = {"model",    "description", "layers", "hidden",          "heads", "kv_heads",
                                        "head_dim", "ffn",         "vocab",  "tied_embeddings", "dtype"};

// The value item of the dim `key` after checking its shape and recording its source.
yaml::Item read_sourced(const yaml::Item& root, const std::string& key, TransformerConfig& config) {
  const yaml::Item item = yaml::require(root, key);
  if (!item.node.IsMap())
    yaml::fail(item,
               fmt::format("expected a dim {{value: ..., source: ...}}, got {}{}", yaml::describe(item.node),
                           yaml::in_path(item.path)),
               "every dim of a model says where it comes from, e.g. the model's config.json");
  yaml::check_keys(item, {"value", "source"});
  const yaml::Item value = yaml::require(item, "value");
  const auto source = yaml::find(item, "source");
  if (!source)
    yaml::fail(item, fmt::format("dim '{}' has no source", item.path),
               "add `source:` naming where the value comes from, e.g. the model's public config.json");
  config.sources[key] = yaml::as_string(*source);
  return value;
}

int read_dim(const yaml::Item& root, const std::string& key, TransformerConfig& config) {
  return static_cast<int>(
      yaml::as_positive_integer(read_sourced(root, key, config), false, std::numeric_limits<int>::max()));
}

bool looks_like_path(const std::string& name) {
  return name.find('/') != std::string::npos || std::filesystem::path(name).extension() == ".yaml";
}

}  // namespace

double TransformerConfig::parameters() const {
  const double d = hidden;
  const double q = d * heads * head_dim;
  const double k_and_v = 2 * d * kv_heads * head_dim;
  const double o = static_cast<double>(heads) * head_dim * d;
  const double mlp = 3 * d * ffn;  // gate, up and down projections
  const double norms = 2 * d;      // RMSNorm before attention and before the MLP
  const double embedding = static_cast<double>(vocab) * d;
  const double lm_head = tied_embeddings ? 0.0 : embedding;
  return embedding + layers * (q + k_and_v + o + mlp + norms) + d + lm_head;
}

double TransformerConfig::weight_bytes() const { return parameters() * bytes_of(dtype); }

double TransformerConfig::kv_bytes_per_token() const { return 2.0 * layers * kv_heads * head_dim * bytes_of(dtype); }

double TransformerConfig::dense_flops_per_token() const {
  // One multiply-add (2 FLOPs) per weight a token passes through. The embedding row is looked
  // up, not multiplied; the LM head is a vocab×hidden GEMV whether or not it shares its matrix
  // with the embedding, so a tied model uses all of its parameters and an untied one all but
  // the embedding table.
  const double embedding = static_cast<double>(vocab) * hidden;
  return 2 * (tied_embeddings ? parameters() : parameters() - embedding);
}

AttentionShape TransformerConfig::attention(std::int64_t context, int batch) const {
  AttentionShape shape;
  shape.batch = batch;
  shape.heads = heads;
  shape.kv_heads = kv_heads;
  shape.head_dim = head_dim;
  shape.context = context;
  shape.dtype = dtype;
  return shape;
}

TransformerConfig read_transformer(const yaml::Item& map) {
  yaml::check_keys(map, kKeys);
  TransformerConfig c;
  c.origin = map.mark.file;
  c.name = yaml::as_string(yaml::require(map, "model"));
  if (auto description = yaml::find(map, "description")) c.description = yaml::as_string(*description);

  c.layers = read_dim(map, "layers", c);
  c.hidden = read_dim(map, "hidden", c);
  c.heads = read_dim(map, "heads", c);
  c.kv_heads = read_dim(map, "kv_heads", c);
  c.head_dim = read_dim(map, "head_dim", c);
  c.ffn = read_dim(map, "ffn", c);
  c.vocab = read_dim(map, "vocab", c);
  c.tied_embeddings = yaml::as_bool(read_sourced(map, "tied_embeddings", c));

  if (c.heads % c.kv_heads != 0) {
    const yaml::Item kv_heads = yaml::require(yaml::require(map, "kv_heads"), "value");
    yaml::fail(
        kv_heads,
        fmt::format("expected a divisor of heads ({}), got '{}'{}", c.heads, c.kv_heads, yaml::in_path(kv_heads.path)),
        "grouped-query attention shares each KV head among heads / kv_heads query heads");
  }

  if (auto dtype = yaml::find(map, "dtype")) {
    const std::string text = yaml::as_string(*dtype);
    const auto parsed = dtype_from_string(text);
    if (!parsed)
      yaml::fail(*dtype, fmt::format("unknown dtype '{}'{}", text, yaml::in_path(dtype->path)),
                 suggestion_note(text, dtype_names(), "valid dtypes"));
    c.dtype = *parsed;
  }
  return c;
}

TransformerConfig load_transformer(const std::string& name_or_path) {
  const std::filesystem::path path = resolve_data_file(name_or_path, "model/models", ".yaml");
  if (!std::filesystem::is_regular_file(path)) {
    if (looks_like_path(name_or_path))
      throw InputError({}, "model",
                       fmt::format("cannot read model '{}': {}", name_or_path,
                                   not_a_regular_file(name_or_path).value_or("it is not a regular file")));
    throw InputError(
        {}, "model", fmt::format("unknown model '{}'", name_or_path),
        suggestion_note(name_or_path, transformer_names(), "shipped models") + "; or give the path of a model file");
  }
  return read_transformer(yaml::load_yaml(path.string(), "model file"));
}

std::vector<std::string> transformer_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(data_root() / "model" / "models", ec))
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace clustersim::model
