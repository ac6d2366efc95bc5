// SPDX-License-Identifier: Apache-2.0
// Tests of scenarios that name a model (end-to-end generation): the workload's `model` sets the
// attention shape of every case at its prompt length, prompt_tokens and new_tokens sweep in
// their file position, the shipped paper scenarios expand as their headers say, and the keys
// that do not go with the workload's kind are InputErrors at their file:line:column.
#include <catch2/catch.hpp>

#include "support/input_file_errors.hpp"
#include "support/scratch_dir.hpp"

#include <string>
#include <tuple>
#include <vector>

#include "common/data_path.hpp"
#include "common/input_error.hpp"
#include "scenarios/scenario.hpp"

namespace {

using clustersim::testing::replaced;

using clustersim::InputError;
using clustersim::model::DType;
using clustersim::scenarios::Case;
using clustersim::scenarios::load_scenario;
using clustersim::scenarios::Scenario;
using clustersim::testing::ScratchDir;
using clustersim::testing::TempFile;

// A generation scenario; tests replace single lines. Line 7 is `model`, 8 `prompt_tokens`.
const std::string kModel = R"(name: gen
topology:
  generator: dgx_h100_cluster
  nodes: 1
device: h100_sxm
workload:
  model: llama3.1-8b
  prompt_tokens: [32k, 64k]
  new_tokens: [1, 10]
strategies: [tree, ring]
)";

// The same scenario with the attention layer given by its dims, no model.
const std::string kNoModel = R"(name: attn
topology:
  generator: dgx_h100_cluster
  nodes: 1
device: h100_sxm
workload:
  heads: 16
  head_dim: 128
  context: 80k
strategies: [tree, ring]
)";

// A small model given inline, in the model/models format; 2 spaces deeper than `model:`.
const std::string kInlineModel = R"(  model:
    model: tiny
    layers: {value: 2, source: test}
    hidden: {value: 256, source: test}
    heads: {value: 4, source: test}
    kv_heads: {value: 2, source: test}
    head_dim: {value: 64, source: test}
    ffn: {value: 512, source: test}
    vocab: {value: 1000, source: test}
    tied_embeddings: {value: true, source: test}
)";

Scenario loaded(const std::string& text) {
  const TempFile file("scenario.yaml", text);
  return load_scenario(file.path());
}

std::string error_of(const std::string& text) {
  return clustersim::testing::load_error("scenario.yaml", text, [](const std::string& path) { load_scenario(path); });
}

std::tuple<std::int64_t, int, std::string> point(const Case& c) {
  return {c.prompt_tokens, c.new_tokens, c.strategy.name};
}

}  // namespace

TEST_CASE("scenarios: a model scenario expands to prompt x new_tokens x strategies at the model's shape",
          "[scenarios]") {
  // System: Llama 3.1-8B (32 heads, 8 KV heads of dim 128, bf16), prompts 32k and 64k, 1 and 10
  // new tokens, tree and ring. Expectation: 2 x 2 x 2 = 8 cases in file order, strategies
  // innermost; each case's shape is one layer's attention over the prompt, batch 1.
  const Scenario s = loaded(kModel);
  REQUIRE(s.cases.size() == 8);
  const std::vector<std::tuple<std::int64_t, int, std::string>> expected = {
      {32000, 1, "tree"}, {32000, 1, "ring"}, {32000, 10, "tree"}, {32000, 10, "ring"},
      {64000, 1, "tree"}, {64000, 1, "ring"}, {64000, 10, "tree"}, {64000, 10, "ring"}};
  for (std::size_t i = 0; i < s.cases.size(); ++i) {
    const Case& c = s.cases[i];
    CAPTURE(i);
    CHECK(c.index == static_cast<int>(i));
    CHECK(point(c) == expected[i]);
    REQUIRE(c.model.has_value());
    CHECK(c.model->name == "llama3.1-8b");
    CHECK(c.model->layers == 32);
    CHECK(c.shape.heads == 32);
    CHECK(c.shape.kv_heads == 8);
    CHECK(c.shape.head_dim == 128);
    CHECK(c.shape.context == c.prompt_tokens);
    CHECK(c.shape.batch == 1);
    CHECK(c.shape.dtype == DType::bf16);
    CHECK(c.shape.partials_dtype == DType::fp32);
  }
}

TEST_CASE("scenarios: prompt_tokens and new_tokens sweep in their file position, batch and partials apply",
          "[scenarios]") {
  // new_tokens written before prompt_tokens is the outer of the two; batch sweeps after them
  // here because it comes last in the file, and partials_dtype reaches every case's shape.
  const Scenario s = loaded(replaced(kModel, "  prompt_tokens: [32k, 64k]\n  new_tokens: [1, 10]\n",
                                     "  new_tokens: [1, 10]\n  prompt_tokens: [32k, 64k]\n  batch: [1, 4]\n"
                                     "  partials_dtype: bf16\n"));
  REQUIRE(s.cases.size() == 16);
  CHECK(point(s.cases[0]) == std::make_tuple(std::int64_t{32000}, 1, std::string("tree")));
  CHECK(s.cases[2].shape.batch == 4);
  CHECK(point(s.cases[4]) == std::make_tuple(std::int64_t{64000}, 1, std::string("tree")));
  CHECK(point(s.cases[8]) == std::make_tuple(std::int64_t{32000}, 10, std::string("tree")));
  for (const Case& c : s.cases) {
    CHECK(c.shape.partials_dtype == DType::bf16);
    CHECK(c.shape.kv_heads == 8);
    CHECK(c.shape.context == c.prompt_tokens);
  }
}

TEST_CASE("scenarios: each shipped paper scenario loads with its model, prompts and 10 new tokens", "[scenarios]") {
  // System: the end-to-end set-ups of Tree Attention Tables 1 and 2. Expectation: 4 prompt
  // lengths x 2 strategies = 8 cases each, 10 new tokens, prompts as decimal token counts.
  const auto [name, model, gpus, first_prompt, last_prompt] =
      GENERATE(table<std::string, std::string, int, std::int64_t, std::int64_t>(
          {{"paper_llama31_8b_h100", "llama3.1-8b", 0, 32000, 256000},
           {"paper_llama31_8b_mi300x", "llama3.1-8b", 4, 32000, 256000},
           {"paper_llama32_1b_rtx4090", "llama3.2-1b", 0, 8000, 32000}}));
  CAPTURE(name);
  const Scenario s = load_scenario((clustersim::data_root() / "scenarios" / (name + ".yaml")).string());
  CHECK(s.name == name);
  CHECK_FALSE(s.description.empty());
  REQUIRE(s.cases.size() == 8);
  CHECK(s.cases.front().prompt_tokens == first_prompt);
  CHECK(s.cases.back().prompt_tokens == last_prompt);
  CHECK(s.cases[0].strategy.name == "tree");
  CHECK(s.cases[1].strategy.name == "ring");
  for (const Case& c : s.cases) {
    REQUIRE(c.model.has_value());
    CHECK(c.model->name == model);
    CHECK(c.new_tokens == 10);
    CHECK(c.gpus == gpus);
    CHECK(c.shape.batch == 1);
    CHECK(c.shape.dtype == DType::bf16);
    CHECK(c.shape.context == c.prompt_tokens);
  }
}

TEST_CASE("scenarios: a model given inline as a map of dims is read", "[scenarios]") {
  const Scenario s = loaded(replaced(kModel, "  model: llama3.1-8b\n", kInlineModel));
  REQUIRE(s.cases.size() == 8);
  const Case& c = s.cases.front();
  REQUIRE(c.model.has_value());
  CHECK(c.model->name == "tiny");
  CHECK(c.model->origin == "<scenario>");
  CHECK(c.shape.heads == 4);
  CHECK(c.shape.kv_heads == 2);
  CHECK(c.shape.head_dim == 64);
  CHECK(c.shape.context == 32000);
}

TEST_CASE("scenarios: a model file given by a path relative to the scenario is found", "[scenarios]") {
  ScratchDir dir;
  std::string model_file = kInlineModel.substr(kInlineModel.find('\n') + 1);  // drop `  model:`
  for (std::size_t at = 0; (at = model_file.find("    ", at)) != std::string::npos;) model_file.erase(at, 4);
  dir.write("tiny.yaml", model_file);
  const Scenario s = load_scenario(dir.write("s.yaml", replaced(kModel, "llama3.1-8b", "./tiny.yaml")));
  REQUIRE(s.cases.size() == 8);
  CHECK(s.cases.front().model->name == "tiny");
  CHECK(s.cases.front().shape.heads == 4);
}

TEST_CASE("scenarios: attention dims beside a model are errors at their line", "[scenarios][errors]") {
  const std::string message =
      error_of(replaced(kModel, "  model: llama3.1-8b\n", "  model: llama3.1-8b\n  heads: 16\n"));
  CHECK_THAT(message,
             Catch::Matchers::StartsWith("FILE:8:3: error: 'heads' comes from the model; remove it or drop 'model'"));
  CHECK_THAT(message, Catch::Matchers::Contains("model 'llama3.1-8b' has heads 32, kv_heads 8, head_dim 128"));
  CHECK_THAT(error_of(replaced(kModel, "  new_tokens", "  context: 80k\n  new_tokens")),
             Catch::Matchers::StartsWith("FILE:9:3: error: 'context' comes from the model"));
  CHECK_THAT(error_of(replaced(kModel, "  new_tokens", "  dtype: fp16\n  new_tokens")),
             Catch::Matchers::StartsWith("FILE:9:3: error: 'dtype' comes from the model"));
}

TEST_CASE("scenarios: generation keys without a model, or missing with one, are errors", "[scenarios][errors]") {
  const std::string message =
      error_of(replaced(kNoModel, "  context: 80k\n", "  context: 80k\n  prompt_tokens: 32k\n"));
  CHECK_THAT(message, Catch::Matchers::StartsWith("FILE:10:3: error: 'prompt_tokens' is allowed only with 'model'"));
  CHECK_THAT(error_of(replaced(kNoModel, "  context: 80k\n", "  new_tokens: 10\n")),
             Catch::Matchers::StartsWith("FILE:9:3: error: 'new_tokens' is allowed only with 'model'"));
  CHECK_THAT(error_of(replaced(kModel, "  new_tokens: [1, 10]\n", "")),
             Catch::Matchers::StartsWith("FILE:7:3: error: missing required key 'new_tokens' in 'workload'"));
  CHECK_THAT(error_of(replaced(kModel, "new_tokens: [1, 10]", "new_tokens: [1, 0]")),
             Catch::Matchers::Contains("expected a positive integer, got '0' in 'workload.new_tokens[1]'"));
  CHECK_THAT(error_of(replaced(kModel, "model: llama3.1-8b", "model: [llama3.1-8b, llama3.2-1b]")),
             Catch::Matchers::StartsWith("FILE:7:10: error: expected one value, got a list in 'workload.model'"));
}

TEST_CASE("scenarios: an unknown model is reported at its value with suggestions", "[scenarios][errors]") {
  const std::string message = error_of(replaced(kModel, "model: llama3.1-8b", "model: llama3.1-8"));
  CHECK_THAT(message, Catch::Matchers::StartsWith("FILE:7:10: error: unknown model 'llama3.1-8'"));
  CHECK_THAT(message, Catch::Matchers::Contains("did you mean 'llama3.1-8b'?"));
  CHECK_THAT(message, Catch::Matchers::Contains("model: llama3.1-8"));  // the source line is quoted
}

TEST_CASE("scenarios: a bad dim of an inline model is reported in the scenario file", "[scenarios][errors]") {
  // kv_heads 3 does not divide heads 4; the inline model's kv_heads value sits at line 12.
  const std::string text =
      replaced(replaced(kModel, "  model: llama3.1-8b\n", kInlineModel), "kv_heads: {value: 2", "kv_heads: {value: 3");
  CHECK_THAT(error_of(text), Catch::Matchers::StartsWith("FILE:12:") &&
                                 Catch::Matchers::Contains("expected a divisor of heads (4), got '3'"));
}

TEST_CASE("scenarios: reference-implementation options reach every case, and only with a model",
          "[scenarios][errors]") {
  const Scenario s = loaded(kModel + "reference_implementation: {gqa_expanded_kv: true, broadcast_query: true}\n");
  for (const Case& c : s.cases) {
    CHECK(c.reference.gqa_expanded_kv);
    CHECK(c.reference.broadcast_query);
    CHECK_FALSE(c.reference.max_allreduce_before_ring);
  }
  CHECK_THAT(error_of(kNoModel + "reference_implementation: {gqa_expanded_kv: true}\n"),
             Catch::Matchers::StartsWith("FILE:11:") &&
                 Catch::Matchers::Contains("'reference_implementation' applies to end-to-end generation only"));
  CHECK_THAT(error_of(kModel + "reference_implementation: {gqa_expand_kv: true}\n"),
             Catch::Matchers::Contains("did you mean 'gqa_expanded_kv'?"));
}
