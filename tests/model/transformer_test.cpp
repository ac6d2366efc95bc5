// SPDX-License-Identifier: Apache-2.0
// Tests of transformer models: the shipped Llama models load with every dim sourced, their
// parameter counts match the published sizes (8.03B, 1.24B, 70.6B), the KV-cache and dense-FLOP
// counts follow their formulas, and a model file with an unknown key, an unsourced dim or a
// kv_heads that does not divide heads is rejected at its file:line.
#include <catch2/catch.hpp>

#include "support/input_file_errors.hpp"
#include "support/scratch_dir.hpp"

#include <string>

#include "common/input_error.hpp"
#include "model/transformer.hpp"

namespace {

using clustersim::testing::replaced;

using clustersim::InputError;
using clustersim::model::DType;
using clustersim::model::load_transformer;
using clustersim::model::transformer_names;
using clustersim::model::TransformerConfig;

const std::string kModel = R"(model: test_model
description: a made-up model
layers: {value: 2, source: "made up"}
hidden: {value: 64, source: "made up"}
heads: {value: 4, source: "made up"}
kv_heads: {value: 2, source: "made up"}
head_dim: {value: 16, source: "made up"}
ffn: {value: 128, source: "made up"}
vocab: {value: 1000, source: "made up"}
tied_embeddings: {value: false, source: "made up"}
dtype: bf16
)";

std::string error_of(const std::string& text) {
  return clustersim::testing::load_error("model.yaml", text, [](const std::string& path) { load_transformer(path); });
}

}  // namespace

TEST_CASE("model: each shipped transformer loads with every dim sourced", "[model]") {
  const std::vector<std::string> names = transformer_names();
  CHECK(names == std::vector<std::string>{"llama-33b", "llama-65b", "llama3.1-70b", "llama3.1-8b", "llama3.2-1b"});
  for (const std::string& name : names) {
    INFO(name);
    const TransformerConfig m = load_transformer(name);
    CHECK(m.name == name);
    CHECK_FALSE(m.description.empty());
    CHECK(m.dtype == (name.rfind("llama-", 0) == 0 ? DType::fp16 : DType::bf16));  // LLaMA v1 shipped in fp16
    CHECK(m.heads % m.kv_heads == 0);
    for (const char* key : {"layers", "hidden", "heads", "kv_heads", "head_dim", "ffn", "vocab", "tied_embeddings"}) {
      INFO(key);
      REQUIRE(m.sources.count(key) == 1);
      CHECK_FALSE(m.sources.at(key).empty());
    }
  }
}

TEST_CASE("model: Llama 3.1-8B has 8.03e9 parameters and 16.06 GB of bf16 weights", "[model][physics]") {
  // System: 32 layers, hidden 4096, 32 heads of 128, 8 KV heads, FFN 14336, vocab 128256, untied.
  // Expectations, from the dims:
  //   embedding and LM head       2 · 128256·4096               =   1,050,673,152
  //   per layer q, o              2 · 4096·4096                 =      33,554,432
  //             k, v              2 · 4096·1024                 =       8,388,608
  //             MLP               3 · 4096·14336                =     176,160,768
  //             norms             2 · 4096                      =           8,192
  //   32 layers                   32 · 218,112,000              =   6,979,584,000
  //   final norm                                                           4,096
  //   total                                                     =   8,030,261,248
  // and × 2 B = 16,060,522,496 B = 16.06 GB, the size of the published bf16 safetensors.
  // The count is integer arithmetic in doubles below 2^53, so it is exact.
  const TransformerConfig m = load_transformer("llama3.1-8b");
  CHECK(m.parameters() == 8'030'261'248.0);
  CHECK_THAT(m.weight_bytes() / 1e9, Catch::Matchers::WithinAbs(16.06, 0.01));
  CHECK(m.weight_bytes() == 16'060'522'496.0);
}

TEST_CASE("model: Llama 3.2-1B has 1.24e9 parameters with its tied embedding counted once", "[model][physics]") {
  // System: 16 layers, hidden 2048, 32 heads of 64, 8 KV heads, FFN 8192, vocab 128256, tied.
  // Expectations: 128256·2048 + 16·(2·2048² + 2·2048·512 + 3·2048·8192 + 2·2048) + 2048
  // = 262,668,288 + 973,144,064 + 2048 = 1,235,814,400 (Meta's "1.23B"); counting the LM head
  // again would add 262,668,288 and give 1.50e9.
  const TransformerConfig m = load_transformer("llama3.2-1b");
  REQUIRE(m.tied_embeddings);
  CHECK(m.parameters() == 1'235'814'400.0);
  CHECK_THAT(m.parameters(), Catch::Matchers::WithinRel(1.24e9, 0.005));
  TransformerConfig untied = m;
  untied.tied_embeddings = false;
  CHECK(untied.parameters() - m.parameters() == 128256.0 * 2048);
}

TEST_CASE("model: Llama 3.1-70B has 70.6e9 parameters", "[model][physics]") {
  // System: 80 layers, hidden 8192, 64 heads of 128, 8 KV heads, FFN 28672, vocab 128256, untied.
  // Expectations: 2·128256·8192 + 80·(2·8192² + 2·8192·1024 + 3·8192·28672 + 2·8192) + 8192
  // = 2,101,346,304 + 68,452,352,000 + 8192 = 70,553,706,496, i.e. 70.6e9 to three figures.
  const TransformerConfig m = load_transformer("llama3.1-70b");
  CHECK(m.parameters() == 70'553'706'496.0);
  CHECK_THAT(m.parameters(), Catch::Matchers::WithinRel(70.6e9, 0.001));
  CHECK_THAT(m.weight_bytes() / 1e9, Catch::Matchers::WithinAbs(141.11, 0.01));
}

TEST_CASE("model: LLaMA-33B and LLaMA-65B have 32.5e9 and 65.3e9 parameters", "[model][physics]") {
  // System: LLaMA v1, multi-head attention, untied, vocab 32000. Expectations:
  // layers·(4·h² + 3·h·ffn + 2·h) + 2·32000·h + h, with (60, 6656, 17920) and (80, 8192, 22016):
  // 32,528,943,616 and 65,285,660,672, the 32.5B and 65.2B of Touvron et al. 2023, Table 2.
  CHECK(load_transformer("llama-33b").parameters() == 32'528'943'616.0);
  CHECK(load_transformer("llama-65b").parameters() == 65'285'660'672.0);
  CHECK(load_transformer("llama-65b").weight_bytes() == 2 * 65'285'660'672.0);  // fp16
}

TEST_CASE("model: dense FLOPs per token are 2 × the parameters a token is multiplied by", "[model][physics]") {
  // System: the shipped models. Expectations: an untied model multiplies a token by every
  // weight but the embedding table (a lookup), 2·(P − vocab·hidden); exact, since both sides are
  // the same integers in doubles. For 70B the table is 1.05e9 of 70.6e9, so the result is
  // within 2 % of 2·P. A tied model's shared matrix is multiplied once, as the LM head: 2·P.
  for (const char* name : {"llama3.1-8b", "llama3.1-70b"}) {
    INFO(name);
    const TransformerConfig m = load_transformer(name);
    CHECK(m.dense_flops_per_token() == 2 * (m.parameters() - static_cast<double>(m.vocab) * m.hidden));
  }
  const TransformerConfig big = load_transformer("llama3.1-70b");
  CHECK_THAT(big.dense_flops_per_token(), Catch::Matchers::WithinRel(2 * big.parameters(), 0.02));
  CHECK(big.dense_flops_per_token() < 2 * big.parameters());
  const TransformerConfig small = load_transformer("llama3.2-1b");
  CHECK(small.dense_flops_per_token() == 2 * small.parameters());
}

TEST_CASE("model: KV-cache bytes per token are 2·layers·kv_heads·head_dim·dtype bytes", "[model][physics]") {
  // System: Llama 3.1-8B in bf16. Expectations: 2 (K and V) · 32 · 8 · 128 · 2 B = 131072 B;
  // with 32 query heads instead of 8 KV heads (no GQA) it would be four times as much.
  const TransformerConfig m = load_transformer("llama3.1-8b");
  CHECK(m.kv_bytes_per_token() == 131072.0);
  CHECK(load_transformer("llama3.2-1b").kv_bytes_per_token() == 2.0 * 16 * 8 * 64 * 2);
  TransformerConfig fp32 = m;
  fp32.dtype = DType::fp32;
  CHECK(fp32.kv_bytes_per_token() == 2 * m.kv_bytes_per_token());
}

TEST_CASE("model: a model's attention shape is one layer's, and its KV over all layers is the cache",
          "[model][physics]") {
  // System: Llama 3.1-8B at 32k tokens, batch 2. Expectations: the shape carries the model's
  // heads, KV heads, head dim and dtype; its KV bytes times the layers equal the model's KV
  // bytes per token times the tokens and the batch (the same product, so exact).
  const TransformerConfig m = load_transformer("llama3.1-8b");
  const auto shape = m.attention(32768, 2);
  CHECK(shape.batch == 2);
  CHECK(shape.heads == 32);
  CHECK(shape.kv_heads == 8);
  CHECK(shape.head_dim == 128);
  CHECK(shape.context == 32768);
  CHECK(shape.dtype == DType::bf16);
  CHECK(shape.hidden() == m.hidden);
  CHECK(shape.kv_bytes(32768) * m.layers == m.kv_bytes_per_token() * 32768 * 2);
}

TEST_CASE("model: a model file in the documented format loads", "[model]") {
  clustersim::testing::TempFile file("model.yaml", kModel);
  const TransformerConfig m = load_transformer(file.path());
  CHECK(m.name == "test_model");
  CHECK(m.origin == file.path());
  CHECK(m.layers == 2);
  CHECK(m.kv_heads == 2);
  CHECK(m.vocab == 1000);
  CHECK(m.sources.at("ffn") == "made up");
  // 2·1000·64 + 2·(2·64·64 + 2·64·32 + 3·64·128 + 2·64) + 64, counted by hand.
  CHECK(m.parameters() == 128000 + 2 * (8192 + 4096 + 24576 + 128) + 64);
  // dtype is optional and defaults to bf16.
  clustersim::testing::TempFile no_dtype("model.yaml", replaced(kModel, "dtype: bf16\n", ""));
  CHECK(load_transformer(no_dtype.path()).dtype == DType::bf16);
}

SCENARIO("a model file with an unknown key is rejected", "[model][errors]") {
  GIVEN("a model whose FFN key, on line 8, is misspelt") {
    const std::string text = replaced(kModel, "ffn:", "fnn:");
    WHEN("it is loaded") {
      const std::string message = error_of(text);
      THEN("the message names file:line:column and the key, and suggests the right one") {
        CHECK_THAT(message, Catch::Matchers::StartsWith("FILE:8:1: error: unknown key 'fnn'"));
        CHECK_THAT(message, Catch::Matchers::Contains("did you mean 'ffn'?"));
      }
    }
  }
}

SCENARIO("a model file with an unsourced dim is rejected", "[model][errors]") {
  GIVEN("a model whose head dim, on line 7, has no source") {
    const std::string text = replaced(kModel, R"({value: 16, source: "made up"})", "{value: 16}");
    WHEN("it is loaded") {
      const std::string message = error_of(text);
      THEN("the message names file:line:column and the dim") {
        CHECK_THAT(message, Catch::Matchers::StartsWith("FILE:7:11: error: dim 'head_dim' has no source"));
      }
    }
  }
  GIVEN("a dim written as a bare number") {
    CHECK_THAT(
        error_of(replaced(kModel, R"({value: 2, source: "made up"})", "2")),
        Catch::Matchers::StartsWith("FILE:3:9: error: expected a dim {value: ..., source: ...}, got '2' in 'layers'"));
  }
}

SCENARIO("a model file whose KV heads do not divide its heads is rejected", "[model][errors]") {
  GIVEN("4 query heads and 3 KV heads, on line 6") {
    const std::string text = replaced(kModel, "kv_heads: {value: 2,", "kv_heads: {value: 3,");
    WHEN("it is loaded") {
      const std::string message = error_of(text);
      THEN("the message names file:line:column and kv_heads") {
        CHECK_THAT(message, Catch::Matchers::StartsWith(
                                "FILE:6:19: error: expected a divisor of heads (4), got '3' in 'kv_heads.value'"));
      }
    }
  }
}

SCENARIO("a model file with a missing or non-positive dim is rejected", "[model][errors]") {
  GIVEN("no vocab") {
    CHECK_THAT(error_of(replaced(kModel, "vocab: {value: 1000, source: \"made up\"}\n", "")),
               Catch::Matchers::StartsWith("FILE:1:1: error: missing required key 'vocab'"));
  }
  GIVEN("zero layers") {
    CHECK_THAT(error_of(replaced(kModel, "layers: {value: 2,", "layers: {value: 0,")),
               Catch::Matchers::StartsWith("FILE:3:17: error: expected a positive integer, got '0' in 'layers.value'"));
  }
  GIVEN("a fractional hidden size") {
    CHECK_THAT(error_of(replaced(kModel, "hidden: {value: 64,", "hidden: {value: 64.5,")),
               Catch::Matchers::Contains("expected a positive integer, got '64.5' in 'hidden.value'"));
  }
  GIVEN("an unknown dtype") {
    CHECK_THAT(error_of(replaced(kModel, "dtype: bf16", "dtype: bf61")),
               Catch::Matchers::Contains("unknown dtype 'bf61' in 'dtype'"));
  }
  GIVEN("a misspelt shipped model name") {
    CHECK_THROWS_WITH(load_transformer("llama3.1-8bb"), Catch::Matchers::Contains("did you mean 'llama3.1-8b'?"));
  }
}
