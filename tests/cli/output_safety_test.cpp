// SPDX-License-Identifier: Apache-2.0
// clustersim runs as root: whatever the output path, it never removes a file it did not write.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "support/run_clustersim.hpp"
#include "support/scratch_dir.hpp"

namespace fs = std::filesystem;
using clustersim::testing::Run;
using clustersim::testing::run_clustersim;
using clustersim::testing::slurp;

namespace {

std::string tiny_scenario(const clustersim::testing::ScratchDir& scratch, const std::string& name) {
  return scratch.write("tiny.yaml", "name: " + name +
                                        "\n"
                                        "topology: {generator: rtx4090_box, gpus: 2}\n"
                                        "device: rtx4090\n"
                                        "workload: {context: 80k}\n"
                                        "strategies: [tree]\n");
}

/// A directory that an earlier run wrote into and the user then added a file to.
fs::path earlier_results_with_notes(const clustersim::testing::ScratchDir& scratch) {
  const fs::path dir = fs::path(scratch.path()) / "R";
  fs::create_directories(dir);
  std::ofstream(dir / "results.json") << "{}";
  std::ofstream(dir / "notes.txt") << "mine";
  return dir;
}

}  // namespace

SCENARIO("simulate keeps the user's files in a results directory, however --out is spelt", "[cli][output]") {
  clustersim::testing::ScratchDir scratch;
  const std::string scenario = tiny_scenario(scratch, "tiny");
  const fs::path dir = earlier_results_with_notes(scratch);
  for (const std::string& out : {dir.string(), dir.string() + "/"}) {
    const Run run = run_clustersim("simulate --quiet --no-report " + scenario + " --out " + out);
    CHECK(run.exit_code == 0);
    CHECK(slurp(dir / "notes.txt") == "mine");
    CHECK(slurp(dir / "results.json").find("\"cases\"") != std::string::npos);
  }
  WHEN("--out is . inside it") {
    const Run run =
        run_clustersim("simulate --quiet --no-report " + scenario + " --out .", "cd " + dir.string() + " &&");
    CHECK(run.exit_code == 0);
    CHECK(slurp(dir / "notes.txt") == "mine");
  }
}

SCENARIO("a scenario name that would leave results/ is refused before any case runs", "[cli][output][errors]") {
  clustersim::testing::ScratchDir scratch;
  const fs::path dir = earlier_results_with_notes(scratch);
  for (const std::string name : {"\"..\"", "\".\"", "/tmp/clustersim_escape", "../escape"}) {
    const std::string scenario = tiny_scenario(scratch, name);
    const Run run = run_clustersim("simulate " + scenario, "cd " + dir.string() + " &&");
    CHECK(run.exit_code == 2);
    CHECK(run.err.find("tiny.yaml:1:7: error: the name is also the results' folder") != std::string::npos);
    CHECK(slurp(dir / "notes.txt") == "mine");
    CHECK(slurp(dir / "results.json") == "{}");
  }
  CHECK_FALSE(fs::exists("/tmp/clustersim_escape"));
}

SCENARIO("an --out that is not clustersim's is refused with exit 2 before any case runs", "[cli][output][errors]") {
  clustersim::testing::ScratchDir scratch;
  const std::string scenario = tiny_scenario(scratch, "tiny");
  const fs::path mine = fs::path(scratch.path()) / "mine";
  fs::create_directories(mine);
  std::ofstream(mine / "thesis.tex") << "mine";
  const Run run = run_clustersim("simulate " + scenario + " --out " + mine.string());
  CHECK(run.exit_code == 2);
  CHECK(run.err.find("holds files that clustersim did not write") != std::string::npos);
  CHECK(run.err.find("[1/1]") == std::string::npos);  // no case ran
  CHECK(slurp(mine / "thesis.tex") == "mine");
  CHECK(std::distance(fs::directory_iterator(mine), fs::directory_iterator{}) == 1);
  CHECK(std::distance(fs::directory_iterator(scratch.path()), fs::directory_iterator{}) == 2);  // tiny.yaml, mine
}
