// SPDX-License-Identifier: Apache-2.0
// End-to-end generation through the runner: cases that fit report time to first token,
// per-token decode and total; cases that do not fit are reported out of memory, not simulated.
#include <catch2/catch.hpp>

#include "common/data_path.hpp"
#include "pipelines/simulate_scenario.hpp"

using namespace clustersim;

TEST_CASE("runner: Llama 3.1-70B at 1M tokens fits on 16 MI300X but not on 8", "[runner]") {
  const auto scenario = scenarios::load_scenario((data_root() / "scenarios" / "llama31_70b_mi300x_fit.yaml").string());
  const results::Results results = pipelines::simulate_scenario(scenario);
  const results::CaseResult* on8 = nullptr;
  const results::CaseResult* on16 = nullptr;
  for (const auto& c : results.cases) {
    if (c.prompt_tokens != 1000000) continue;
    if (c.gpus == 8) on8 = &c;
    if (c.gpus == 16) on16 = &c;
  }
  REQUIRE(on8);
  REQUIRE(on16);
  CHECK(on8->status == results::CaseStatus::oom);
  CHECK_FALSE(on8->fits_in_memory);
  CHECK(on8->total_s == 0);
  CHECK(on8->peak_mem_bytes > on8->memory_capacity_bytes);
  CHECK(on16->status == results::CaseStatus::ok);
  CHECK(on16->fits_in_memory);
  CHECK(on16->model == "llama3.1-70b");
  CHECK(on16->prefill_s > 0);
  CHECK(on16->decode_s_per_token > 0);
  CHECK(on16->total_s == Approx(on16->prefill_s + on16->decode_s_per_token));  // 2 tokens: one decode step
  CHECK(on16->latency_s == on16->total_s);
  CHECK(on16->tokens_per_s == Approx(2 / on16->total_s));
  AND_THEN("the kernel time splits into attention and dense layers") {
    const auto& by = on16->compute_s_by_category;
    REQUIRE(by.count("attention"));
    REQUIRE(by.count("dense"));
    CHECK(by.at("attention") + by.at("dense") == Approx(on16->compute_s).epsilon(1e-9));
  }
  AND_THEN("the longest prompt that fits lies between the prompts that did and did not") {
    CHECK(on8->longest_prompt_that_fits >= 128000);
    CHECK(on8->longest_prompt_that_fits < 1000000);
    CHECK(on16->longest_prompt_that_fits >= 1000000);
  }
}
