// SPDX-License-Identifier: Apache-2.0
// The clustersim command as users run it: exit codes, messages, what is written and what is not.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "common/process_runner.hpp"
#include "support/run_clustersim.hpp"
#include "support/scratch_dir.hpp"

namespace fs = std::filesystem;
using clustersim::testing::Run;
using clustersim::testing::run_clustersim;
using clustersim::testing::slurp;

namespace {

/// `clustersim <args>` bounded in time and memory, so that a reader that blocks on a FIFO or
/// reads /dev/zero without end fails the test instead of hanging it or filling the machine.
Run bounded_clustersim(const std::vector<std::string>& args) {
  clustersim::ProcessJob job;
#ifdef CLUSTERSIM_SANITIZED
  // AddressSanitizer reserves terabytes of address space for its shadow memory: its own limit instead.
  job.command = {"/usr/bin/env", "ASAN_OPTIONS=hard_rss_limit_mb=4000", CLUSTERSIM_BINARY};
#else
  job.command = {"/bin/sh", "-c", "ulimit -v 4000000 && exec \"$0\" \"$@\"", CLUSTERSIM_BINARY};
#endif
  job.command.insert(job.command.end(), args.begin(), args.end());
  job.what = "clustersim";
  job.timeout = std::chrono::seconds(60);
  try {
    const clustersim::ProcessOutput out = clustersim::run_process(job);
    return {out.exit_code, out.stdout_text, out.stderr_text};
  } catch (const clustersim::LaunchError& e) { FAIL("clustersim did not finish: " << e.what()); }
  return {};
}

}  // namespace

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
  const Run run = run_clustersim("simulate " + scenario + " --out " +
                                 (fs::temp_directory_path() / "clustersim_cli_never_written").string());
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
  const std::string graph =
      scratch.write("bad.dot",
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
  const Run run = run_clustersim("simulate " + scenario + " --out " +
                                 (fs::temp_directory_path() / "clustersim_cli_never_written").string());
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
    const Run compared = run_clustersim("report " + (a / "results.json").string() + " " +
                                        (b / "results.json").string() + " --out " + cmp.string());
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

SCENARIO("an input that is a FIFO or a device or a directory exits 2 naming what it is without blocking",
         "[cli][errors]") {
  const clustersim::testing::ScratchDir scratch;
  const fs::path dir = scratch.path();
  REQUIRE(::mkfifo((dir / "fifo.yaml").c_str(), 0600) == 0);
  REQUIRE(::mkfifo((dir / "fifo.dot").c_str(), 0600) == 0);
  fs::create_symlink("/dev/zero", dir / "zero.yaml");
  fs::create_directory(dir / "folder.yaml");
  const std::string out = (dir / "out").string();
  for (const auto& [name, what] :
       {std::pair{"fifo.yaml", "a FIFO"}, {"zero.yaml", "a device file"}, {"folder.yaml", "a directory"}}) {
    const std::string path = (dir / name).string();
    const Run run = bounded_clustersim({"simulate", path, "--out", out});
    CHECK(run.exit_code == 2);
    CHECK(run.err.find(path + ": error: cannot read scenario file: it is " + what) != std::string::npos);
  }
  const Run graph = bounded_clustersim({"topology", "show", (dir / "fifo.dot").string()});
  CHECK(graph.exit_code == 2);
  CHECK(graph.err.find("fifo.dot: error: cannot read topology file: it is a FIFO") != std::string::npos);
  AND_THEN("a FIFO named as a scenario's device profile is reported where the scenario names it") {
    const std::string scenario = scratch.write("s.yaml",
                                               "name: fifo\n"
                                               "topology: {generator: dgx_h100_cluster, nodes: 1}\n"
                                               "device: " +
                                                   (dir / "fifo.yaml").string() +
                                                   "\n"
                                                   "workload: {context: 80k}\n"
                                                   "strategies: [tree]\n");
    const Run run = bounded_clustersim({"simulate", scenario, "--out", out});
    CHECK(run.exit_code == 2);
    CHECK(run.err.find(scenario + ":3:9: error: cannot read device profile '" + (dir / "fifo.yaml").string() +
                       "': it is a FIFO") != std::string::npos);
  }
  CHECK_FALSE(fs::exists(out));
}

SCENARIO("report reads a results file's devices only as device profiles: no other file is quoted or blocks it",
         "[cli][errors]") {
  const clustersim::testing::ScratchDir scratch;
  const fs::path dir = scratch.path();
  REQUIRE(bounded_clustersim({"simulate", "--quiet", "--no-report", "--out", (dir / "run").string()}).exit_code == 0);
  const std::string results = slurp(dir / "run" / "results.json");
  const std::string secret = scratch.write("passwd", "root:x:0:0:do-not-leak:/root:/bin/bash\n");
  REQUIRE(::mkfifo((dir / "fifo.yaml").c_str(), 0600) == 0);
  // The results of the run with every case's device replaced by `device`, in a folder of their own.
  const auto results_naming = [&](const std::string& folder, const std::string& device) {
    std::string text = results;
    const std::string key = "\"device\": \"h100_sxm\"";
    for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at + 1))
      text.replace(at, key.size(), "\"device\": \"" + device + "\"");
    fs::create_directory(dir / folder);
    return scratch.write(folder + "/results.json", text);
  };
  const Run leaked = bounded_clustersim({"report", results_naming("secret", secret)});
  CHECK(leaked.exit_code == 0);
  const std::string html = slurp(dir / "secret" / "report.html");
  CHECK(html.find("profile not available here: its file is not a valid device profile") != std::string::npos);
  CHECK(html.find("do-not-leak") == std::string::npos);
  CHECK(slurp(dir / "secret" / "report.md").find("do-not-leak") == std::string::npos);

  const Run fifo = bounded_clustersim({"report", results_naming("fifo", (dir / "fifo.yaml").string())});
  CHECK(fifo.exit_code == 0);
  CHECK(slurp(dir / "fifo" / "report.html").find("profile not available here: its file cannot be read: it is a FIFO") !=
        std::string::npos);

  AND_THEN("a results file that is a FIFO is refused") {
    const Run run = bounded_clustersim({"report", (dir / "fifo.yaml").string()});
    CHECK(run.exit_code == 2);
    CHECK(run.err.find("fifo.yaml: error: cannot read results file: it is a FIFO") != std::string::npos);
  }
}

TEST_CASE("cli: block-trace generate writes a trace that replay reads; a bad budget exits 2", "[cli][offload]") {
  clustersim::testing::ScratchDir dir;
  const fs::path trace = fs::path(dir.path()) / "t.csv";
  const Run generated = run_clustersim(
      "block-trace generate --steps 4 --layers 2 --blocks 50 --budget 8 --locality 1 -o " + trace.string());
  REQUIRE(generated.exit_code == 0);
  CHECK(slurp(trace).rfind("step,layer,head_group,blocks\n", 0) == 0);
  const Run replayed = run_clustersim("block-trace replay " + trace.string() + " --cache-blocks 8");
  CHECK(replayed.exit_code == 0);
  // Locality 1 keeps every block: of 4 steps only the first misses.
  CHECK(replayed.out.find("             8     0.7500\n") != std::string::npos);
  const Run bad = run_clustersim("block-trace generate --blocks 4 --budget 8");
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("--budget") != std::string::npos);
}
