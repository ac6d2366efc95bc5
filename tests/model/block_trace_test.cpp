// SPDX-License-Identifier: Apache-2.0
// Block-selection traces: the LRU replay on hand-made traces, the reader's errors, the checks
// against a model and a context, and the generator's locality.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "common/input_error.hpp"
#include "model/block_trace.hpp"
#include "model/generation.hpp"
#include "model/transformer.hpp"
#include "pipelines/simulate_scenario.hpp"
#include "scenarios/scenario.hpp"
#include "support/input_file_errors.hpp"
#include "support/scratch_dir.hpp"

using namespace clustersim;
using Catch::Matchers::Contains;

namespace {

std::string error_of(const std::string& text) {
  try {
    model::parse_block_trace(text, "t.csv");
  } catch (const InputError& e) { return e.what(); }
  FAIL("no InputError for:\n" << text);
  return {};
}

}  // namespace

TEST_CASE("block traces: an LRU cache per layer hits what it still holds", "[model][offload]") {
  // Layer 0 selects {1,2}, then {2,3}, then {1,3}; layer 1 selects {1} twice. With 2 blocks per
  // layer: layer 0 misses 1, 2, then hits 2, misses 3 (evicting 1), then misses 1 (evicting 2),
  // hits 3; layer 1 misses, then hits. 3 hits of 8 selections.
  const model::BlockTrace trace = model::parse_block_trace(
      "step,layer,head_group,blocks\n0,0,0,1 2\n0,1,0,1\n1,0,0,2 3\n1,1,0,1\n2,0,0,1 3\n", "t.csv");
  CHECK(model::lru_hit_rate(trace, 2) == 3.0 / 8);
  CHECK(model::lru_hit_rate(trace, 3) == 4.0 / 8);  // nothing evicted: every repeat hits
  CHECK(model::lru_hit_rate(trace, 0) == 0);
  AND_THEN("head groups keep caches of their own") {
    const model::BlockTrace groups =
        model::parse_block_trace("step,layer,head_group,blocks\n0,0,0,5\n0,0,1,5\n1,0,1,5\n", "t.csv");
    CHECK(model::lru_hit_rate(groups, 4) == 1.0 / 3);
  }
}

TEST_CASE("block traces: a bad trace names the file, the line and the field", "[model][offload][errors]") {
  CHECK_THAT(error_of("step,layer,blocks\n"), Contains("t.csv:1:1:") && Contains("expected the header"));
  CHECK_THAT(error_of("step,layer,head_group,blocks\n0,0,0,1 2\n0,x,0,3\n"),
             Contains("t.csv:3:") && Contains("layer is 'x', expected a non-negative integer"));
  CHECK_THAT(error_of("step,layer,head_group,blocks\n0,0,0,1 -2\n"), Contains("blocks is '-2'"));
  CHECK_THAT(error_of("step,layer,head_group,blocks\n0,0,0,4 4\n"), Contains("block 4 is selected twice"));
  CHECK_THAT(error_of("step,layer,head_group,blocks\n1,0,0,4\n0,0,0,4\n"),
             Contains("t.csv:3:") && Contains("step 0 comes after step 1"));
  CHECK_THAT(error_of("step,layer,head_group,blocks\n0,0,0,\n"), Contains("the row selects no blocks"));
  CHECK_THAT(error_of("step,layer,head_group,blocks\n0,0,0\n"), Contains("the row has 3 fields"));
  CHECK_THAT(error_of(""), Contains("the trace is empty"));
  AND_THEN("a trace for another model or context is refused at its row") {
    const model::BlockTrace trace =
        model::parse_block_trace("step,layer,head_group,blocks\n0,0,0,1\n0,31,0,99\n", "t.csv");
    CHECK_NOTHROW(model::check_block_trace(trace, 32, 100));
    CHECK_THROWS_WITH(model::check_block_trace(trace, 16, 100),
                      Contains("t.csv:3:") && Contains("layer 31 is not a layer of the model, which has 16"));
    CHECK_THROWS_WITH(model::check_block_trace(trace, 32, 99),
                      Contains("t.csv:3:") && Contains("block 99 is out of range: the context has 99 blocks"));
  }
}

TEST_CASE("block traces: generated traces are reproducible and their hit rate follows the locality",
          "[model][offload]") {
  model::TraceGenerator spec{.steps = 24, .layers = 4, .head_groups = 2, .blocks = 500, .budget = 20};
  CHECK(model::generate_block_trace(spec) == model::generate_block_trace(spec));
  double previous = -1;
  for (double locality : {0.0, 0.5, 0.9, 1.0}) {
    spec.locality = locality;
    const model::BlockTrace trace = model::parse_block_trace(model::generate_block_trace(spec), "<generated>");
    REQUIRE(trace.rows.size() == 24u * 4 * 2);
    for (const auto& row : trace.rows) CHECK(row.blocks.size() == 20);
    const double hit = model::lru_hit_rate(trace, 20);
    INFO("locality " << locality << ": hit rate " << hit);
    CHECK(hit > previous);
    previous = hit;
  }
  // Locality 1 keeps every block: only the first step misses.
  CHECK(previous == Approx(23.0 / 24));
}

TEST_CASE("block traces: a trace sets offload_sparse's hit rate to its replay", "[model][offload]") {
  testing::ScratchDir dir;
  const std::string path =
      dir.write("trace.csv",
                model::generate_block_trace({.steps = 8, .layers = 16, .blocks = 125, .budget = 16, .locality = 0.7}));
  const double hit = model::lru_hit_rate(model::read_block_trace(path), 32);
  REQUIRE(hit > 0);
  const model::TransformerConfig m = model::load_transformer("llama3.2-1b");
  auto fetched = [&](std::map<std::string, std::string> options) {
    options["budget_blocks"] = "16";
    options["cache_blocks"] = "32";
    const model::GenerationPlan plan = model::plan_generation(
        m, {.prompt_tokens = 8000, .new_tokens = 2, .strategy = {.name = "offload_sparse", .options = options}}, {{0}});
    double pieces = 0;
    for (const model::Op& op : plan.graph.ops()) pieces += op.gather_pieces;
    return pieces;
  };
  CHECK(fetched({{"trace", path}}) == fetched({{"hit_rate", fmt::format("{}", hit)}}));
  CHECK(model::StrategySpec{.name = "offload_sparse", .options = {{"trace", path}}}.label() ==
        "offload_sparse+trace=trace.csv");
}

TEST_CASE("block traces: scenarios check a trace before anything runs", "[offload][errors]") {
  testing::ScratchDir dir;
  const std::string good = dir.write("good.csv", "step,layer,head_group,blocks\n0,0,0,1 2\n0,15,0,3\n");
  const std::string deep = dir.write("deep.csv", "step,layer,head_group,blocks\n0,0,0,1\n0,40,0,3\n");
  const std::string broken = dir.write("broken.csv", "step,layer,head_group,blocks\n0,0,0,1 1\n");
  const auto scenario = [](const std::string& strategy) {
    return fmt::format(
        "name: t\ntopology:\n  generator: rtx4090_box\n  gpus: 2\ndevice: rtx4090\nworkload:\n  model: llama3.2-1b\n"
        "  prompt_tokens: 8000\n  new_tokens: 2\nstrategies:\n  - {}\n",
        strategy);
  };
  const auto run_error = [&](const std::string& strategy) {
    return testing::load_error("scenario.yaml", scenario(strategy), [](const std::string& path) {
      pipelines::simulate_scenario(scenarios::load_scenario(path));
    });
  };
  CHECK(pipelines::simulate_scenario(
            scenarios::parse_scenario(scenario(fmt::format("{{name: offload_sparse, trace: {}}}", good)), "<t>"))
            .cases[0]
            .status == results::CaseStatus::ok);
  CHECK_THAT(run_error(fmt::format("{{name: offload_sparse, trace: {}}}", broken)),
             Contains(broken + ":2:") && Contains("block 1 is selected twice"));
  CHECK_THAT(run_error(fmt::format("{{name: offload_sparse, trace: {}}}", deep)),
             Contains(deep + ":3:") && Contains("layer 40 is not a layer of the model, which has 16"));
  CHECK_THAT(run_error(fmt::format("{{name: offload_sparse, trace: {}, hit_rate: 0.5}}", good)),
             Contains("FILE:11:") && Contains("cannot both be given"));
  CHECK_THAT(run_error("{name: offload_sparse, trace: missing.csv}"),
             Contains("missing.csv") && Contains("does not exist"));
}
