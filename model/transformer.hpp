// SPDX-License-Identifier: Apache-2.0
// TransformerConfig: a decoder-only transformer of the Llama family reduced to the dims that set
// its costs and memory — layers, hidden size, query and KV heads (GQA), head dim, gated-MLP
// width, vocabulary — with the parameter, weight-byte, KV-cache and dense-FLOP counts derived
// from them. Shipped models live in model/models/*.yaml, each dim with the source it was read
// from (the model's public Hugging Face config.json).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/attention.hpp"
#include "model/dtype.hpp"

namespace clustersim::yaml {
struct Item;
}

namespace clustersim::model {

/// A decoder-only transformer (Llama family): the dims that set its costs and memory.
struct TransformerConfig {
  std::string name;              ///< short name, e.g. `llama3.1-8b`
  std::string description;       ///< e.g. "Meta Llama 3.1 8B"
  std::string origin;            ///< file it was read from, or "<scenario>" when given inline
  int layers = 0;                ///< decoder blocks
  int hidden = 0;                ///< model width d
  int heads = 0;                 ///< query heads n_h
  int kv_heads = 0;              ///< KV heads n_kv (GQA when < heads); divides heads
  int head_dim = 0;              ///< d_h
  int ffn = 0;                   ///< gated-MLP intermediate width
  int vocab = 0;                 ///< vocabulary size
  bool tied_embeddings = false;  ///< LM head shares the embedding matrix (Llama 3.2-1B does)
  DType dtype = DType::bf16;     ///< storage type of weights and KV cache
  /// Where each dim comes from, by its YAML key (`layers`, ..., `tied_embeddings`).
  std::map<std::string, std::string> sources;

  /// Parameters: embedding vocab·hidden; per layer q (hidden·heads·head_dim), k and v
  /// (hidden·kv_heads·head_dim each), o (heads·head_dim·hidden), gated MLP 3·hidden·ffn, two
  /// RMSNorm weights 2·hidden; final norm hidden; LM head vocab·hidden unless tied.
  double parameters() const;
  /// Bytes of all weights: parameters × dtype bytes (B).
  double weight_bytes() const;
  /// Bytes of K and V of one token over all layers: 2·layers·kv_heads·head_dim·dtype bytes (B).
  double kv_bytes_per_token() const;
  /// FLOPs of the dense (non-attention) work for one token: 2 × the parameters used per token,
  /// i.e. all layers, the final norm and the LM head, but not the embedding table (a lookup).
  /// With tied embeddings the shared matrix is used once, as the LM head.
  double dense_flops_per_token() const;
  /// The attention shape of one layer at `context` tokens and batch `batch`, in this model's
  /// dtype with fp32 partials. Requires: context >= 0, batch >= 1.
  AttentionShape attention(std::int64_t context, int batch) const;
};

/// Reads a model from a parsed YAML map in the model/models format (see its README); origin is
/// the map's file. Throws: InputError (file:line:column) for unknown keys, missing or
/// non-positive dims, kv_heads not dividing heads, a dim without a source.
TransformerConfig read_transformer(const yaml::Item& map);

/// Reads a model by short name (model/models/<name>.yaml) or path, e.g.
/// `load_transformer("llama3.1-8b").weight_bytes()` is 16.06e9.
/// Throws: InputError as read_transformer, or for an unknown name (with suggestions).
TransformerConfig load_transformer(const std::string& name_or_path);

/// Short names of the shipped models, sorted.
std::vector<std::string> transformer_names();

}  // namespace clustersim::model
