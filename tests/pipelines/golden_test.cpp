// SPDX-License-Identifier: Apache-2.0
// Golden results: every shipped scenario's results.csv, compared byte for byte with the copy in
// tests/golden/. A change to the model shows up here and must be accepted on purpose by
// regenerating the files (`clustersim_tests "[.regenerate]"`) and reviewing the diff; a change
// that is only meant to make the simulator faster must leave them untouched.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/data_path.hpp"
#include "pipelines/simulate_scenario.hpp"
#include "schemas/results.hpp"

using namespace clustersim;

namespace {

const char* const kShipped[] = {
    "dgx_h100_tree_vs_ring",       "mi300x_tree_vs_ring",        "rtx4090_tree_vs_ring",
    "paper_llama31_8b_h100",       "paper_llama31_8b_mi300x",    "paper_llama32_1b_rtx4090",
    "llama31_70b_mi300x_fit",      "rtx4090_llama31_8b_offload", "rtx4090_llama31_8b_offload_batch",
    "a100_llama31_8b_sparse_fetch"};

std::filesystem::path golden_path(const std::string& name) {
  return data_root() / "tests" / "golden" / (name + ".csv");
}

std::string simulated_csv(const std::string& name) {
  const auto scenario = scenarios::load_scenario((data_root() / "scenarios" / (name + ".yaml")).string());
  return results::to_csv(pipelines::simulate_scenario(scenario));
}

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

// [all-scenarios]: the sanitized build leaves this test out (CMakeLists.txt): its thousands of
// generation steps take tens of minutes under the sanitizers.
TEST_CASE("runner: shipped scenarios reproduce their golden results byte for byte", "[runner][golden][all-scenarios]") {
  for (const char* name : kShipped) {
    INFO("scenario " << name << " against " << golden_path(name));
    CHECK(simulated_csv(name) == read(golden_path(name)));
  }
}

TEST_CASE("runner: regenerate the golden results", "[.regenerate]") {
  for (const char* name : kShipped) std::ofstream(golden_path(name)) << simulated_csv(name);
}
