// SPDX-License-Identifier: Apache-2.0
// The clustersim command as users run it: exit codes, messages, what is written and what is not.
#include <catch2/catch.hpp>

#include <filesystem>

#include "support/run_clustersim.hpp"
#include "support/scratch_dir.hpp"

namespace fs = std::filesystem;
using clustersim::testing::Run;
using clustersim::testing::run_clustersim;
using clustersim::testing::slurp;

SCENARIO("the default scenario runs and says where its results are", "[cli]") {
  const fs::path out = fs::temp_directory_path() / "clustersim_cli_default";
  fs::remove_all(out);
  const Run run = run_clustersim("simulate --quiet --out " + out.string());
  CHECK(run.exit_code == 0);
  CHECK(run.out.find("# ring / tree latency ratio") != std::string::npos);
  CHECK(run.out.find("# results: " + (out / "results.json").string()) != std::string::npos);
  CHECK(fs::exists(out / "results.csv"));
  AND_THEN("the same inputs give the same results, bit for bit") {
    const std::string first = slurp(out / "results.json");
    CHECK(run_clustersim("simulate --quiet --jobs 1 --out " + out.string()).exit_code == 0);
    CHECK(slurp(out / "results.json") == first);
  }
  fs::remove_all(out);
}

SCENARIO("a scenario with an unknown key is rejected and nothing is written", "[cli][errors]") {
  clustersim::testing::ScratchDir scratch;
  GIVEN("a scenario with 'strategys' for 'strategies'") {
    const std::string scenario = scratch.write("typo.yaml",
                                        "name: typo\n"
                                        "topology: {generator: dgx_h100_cluster, nodes: 1}\n"
                                        "device: h100_sxm\n"
                                        "workload: {context: 80k}\n"
                                        "strategys: [tree, ring]\n");
    const fs::path out = fs::temp_directory_path() / "clustersim_cli_typo";
    fs::remove_all(out);
    WHEN("it is simulated") {
      const Run run = run_clustersim("simulate " + scenario + " --out " + out.string());
      THEN("the message names file:line:column and suggests 'strategies', and the exit code is 2") {
        CHECK(run.exit_code == 2);
        CHECK(run.err.find(scenario + ":5:1: error: unknown key 'strategys'") != std::string::npos);
        CHECK(run.err.find("did you mean 'strategies'?") != std::string::npos);
      }
      AND_THEN("nothing is written") { CHECK_FALSE(fs::exists(out)); }
    }
  }
}

SCENARIO("a case that needs more GPUs than the topology has is rejected before anything runs", "[cli][errors]") {
  clustersim::testing::ScratchDir scratch;
  const std::string scenario = scratch.write("too_many.yaml",
                                      "name: too_many\n"
                                      "topology: {generator: rtx4090_box, gpus: 2}\n"
                                      "device: rtx4090\n"
                                      "gpus: 4\n"
                                      "workload: {context: 80k}\n"
                                      "strategies: [tree]\n");
  const Run run = run_clustersim("simulate " + scenario + " --out " + (fs::temp_directory_path() / "clustersim_cli_never_written").string());
  CHECK(run.exit_code == 2);
  CHECK(run.err.find("asks for 4 GPUs but topology 'rtx4090_box:gpus=2' has 2") != std::string::npos);
}

SCENARIO("a case that does not fit in device memory is reported as such, not simulated", "[cli]") {
  clustersim::testing::ScratchDir scratch;
  // 16 heads × 128, bf16: 8 KiB of K and V per token; 5.12M tokens on 2 RTX 4090 (24 GB) need
  // 21 GB of shard each for tree and 42 GB for ring.
  const std::string scenario = scratch.write("oom.yaml",
                                      "name: oom\n"
                                      "topology: {generator: rtx4090_box, gpus: 2}\n"
                                      "device: rtx4090\n"
                                      "workload: {context: 5.12M}\n"
                                      "strategies: [tree, ring]\n");
  const fs::path out = fs::temp_directory_path() / "clustersim_cli_oom";
  fs::remove_all(out);
  const Run run = run_clustersim("simulate --quiet " + scenario + " --out " + out.string());
  CHECK(run.exit_code == 0);
  const std::string csv = slurp(out / "results.csv");
  CHECK(csv.find(",tree,5120000,1,16,16,128,bf16,rtx4090,ok,") != std::string::npos);
  CHECK(csv.find(",ring,5120000,1,16,16,128,bf16,rtx4090,oom,") != std::string::npos);
  fs::remove_all(out);
}

SCENARIO("topology show summarises a generator and prints DOT", "[cli]") {
  const Run summary = run_clustersim("topology show dgx_h100_cluster:nodes=2");
  CHECK(summary.exit_code == 0);
  CHECK(summary.out.find("bisection") != std::string::npos);
  const Run dot = run_clustersim("topology show rtx4090_box:gpus=2 --format dot");
  CHECK(dot.exit_code == 0);
  CHECK(dot.out.rfind("graph", 0) == 0);
}

SCENARIO("a bad topology file exits 2 naming the file, the element and the reason", "[cli][errors]") {
  clustersim::testing::ScratchDir scratch;
  const std::string graph = scratch.write("bad.dot",
                                   "graph g {\n"
                                   "  gpu0 [kind=\"gpu\"];\n"
                                   "  gpu1 [kind=\"gpu\"];\n"
                                   "  gpu0 -- gpu1 [class=\"nvlink\", bandwidth_GBps=\"-5\", latency_us=\"1\"];\n"
                                   "}\n");
  const Run run = run_clustersim("topology show " + graph);
  CHECK(run.exit_code == 2);
  CHECK(run.err.find(graph) != std::string::npos);
  CHECK(run.err.find("gpu0--gpu1") != std::string::npos);
}

SCENARIO("usage errors exit 2 and point to --help", "[cli][errors]") {
  const Run run = run_clustersim("simulate --jobs many");
  CHECK(run.exit_code == 2);
  CHECK(run.err.find("--help") != std::string::npos);
}

SCENARIO("an unknown profile or generator is reported where the scenario names it", "[cli][errors]") {
  clustersim::testing::ScratchDir scratch;
  const std::string scenario = scratch.write("unknown.yaml",
                                             "name: unknown\n"
                                             "topology: {generator: dgx_h100_clustr, nodes: 1}\n"
                                             "device: h100\n"
                                             "workload: {context: 80k}\n"
                                             "strategies: [tree]\n");
  const Run run = run_clustersim("simulate " + scenario + " --out " + (fs::temp_directory_path() / "clustersim_cli_never_written").string());
  CHECK(run.exit_code == 2);
  CHECK(run.err.find(scenario + ":2:11: error: unknown topology 'dgx_h100_clustr:nodes=1'") != std::string::npos);
  CHECK(run.err.find("did you mean 'dgx_h100_cluster'?") != std::string::npos);
}

SCENARIO("simulate --trace writes the chosen case's timeline and says where", "[cli]") {
  clustersim::testing::ScratchDir scratch;
  const std::string trace = scratch.write("trace.json", "");
  const fs::path out = fs::temp_directory_path() / "clustersim_cli_trace";
  fs::remove_all(out);
  const Run run = run_clustersim("simulate --quiet --out " + out.string() + " --trace " + trace + " --trace-case 1");
  CHECK(run.exit_code == 0);
  CHECK(run.out.find("# trace of case 1: ring on dgx_h100_cluster:nodes=1 (8 GPUs), context 80000: " + trace) !=
        std::string::npos);
  CHECK(slurp(trace).find("\"traceEvents\"") != std::string::npos);
  AND_THEN("a case index past the end is a usage error") {
    const Run bad = run_clustersim("simulate --quiet --out " + out.string() + " --trace " + trace + " --trace-case 99");
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("--trace-case 99 is out of range: the scenario has 8 cases") != std::string::npos);
  }
  fs::remove_all(out);
}

SCENARIO("simulate ends with a report; report compares two runs", "[cli]") {
  const fs::path a = fs::temp_directory_path() / "clustersim_cli_report_a";
  const fs::path b = fs::temp_directory_path() / "clustersim_cli_report_b";
  fs::remove_all(a);
  fs::remove_all(b);
  const Run run = run_clustersim("simulate --quiet --out " + a.string());
  CHECK(run.out.find("# report: " + (a / "report.html").string()) != std::string::npos);
  CHECK(fs::exists(a / "report.md"));
  CHECK(run_clustersim("simulate --quiet --no-report --out " + b.string()).exit_code == 0);
  AND_THEN("--no-report skips it") { CHECK_FALSE(fs::exists(b / "report.html")); }
  AND_THEN("two results files give a comparison") {
    const fs::path cmp = fs::temp_directory_path() / "clustersim_cli_report_cmp";
    const Run compared = run_clustersim("report " + (a / "results.json").string() + " " + (b / "results.json").string() +
                                        " --out " + cmp.string());
    CHECK(compared.exit_code == 0);
    CHECK(slurp(cmp / "report.md").find("8 cases in both runs") != std::string::npos);
    CHECK(fs::exists(cmp / "comparison.csv"));
    fs::remove_all(cmp);
  }
  AND_THEN("a file that is not a results file is refused") {
    clustersim::testing::ScratchDir scratch;
    const Run bad = run_clustersim("report " + scratch.write("x.json", "{\"schema\": \"nope\"}"));
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("not a clustersim results file") != std::string::npos);
  }
  fs::remove_all(a);
  fs::remove_all(b);
}
