// SPDX-License-Identifier: Apache-2.0
// Live runs: the rank program's arithmetic against the reference (and a corrupted run caught),
// the planner's refusals, `clustersim live` and `clustersim validate` as users run them. Nothing
// here asserts a time: only that times exist and are positive.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include <nlohmann/json.hpp>

#include "common/mpi_launcher.hpp"
#include "live/emulated_cluster.hpp"
#include "live/live_plan.hpp"
#include "live/rank_report.hpp"
#include "pipelines/run_live.hpp"
#include "reports/comparison_table.hpp"
#include "schemas/comparison.hpp"
#include "schemas/results.hpp"
#include "support/run_clustersim.hpp"
#include "support/scratch_dir.hpp"

using namespace clustersim;
namespace fs = std::filesystem;

namespace {

using testing::Run;
using testing::run_clustersim;
using testing::slurp;

/// A tiny scenario: 2 CPU ranks of one host, 2 contexts (one not divisible by 2), GQA.
std::string tiny_scenario(const testing::ScratchDir& scratch, const std::string& strategies = "[tree, ring]",
                          const std::string& gpus = "2") {
  return scratch.write(
      "tiny.yaml",
      "name: tiny_live\n"
      "topology: {generator: cpu_host, ranks: 2}\n"
      "device: cpu_core\n"
      "gpus: " +
          gpus +
          "\n"
          "workload: {batch: 1, heads: 4, kv_heads: 2, head_dim: 64, context: [1000, 3001], dtype: fp32}\n"
          "strategies: " +
          strategies + "\n");
}

/// A measured profile with round figures (not this machine's: validate only needs one).
std::string measured_profile(const testing::ScratchDir& scratch) {
  return scratch.write(
      "profile.yaml",
      "device: cpu_test\n"
      "provenance: measured\n"
      "measured: {host: test, date: \"2026-01-01T00:00:00Z\", method: \"written by hand for a test\"}\n"
      "dense_TFLOPS: {fp32: {value: 0.02, source: test}}\n"
      "hbm_bandwidth_GBps: {value: 5, source: test}\n"
      "memory_GB: {value: 4, source: test}\n"
      "launch_overhead_us: {value: 2, source: test}\n"
      "compute_efficiency: {value: 1, source: test}\n"
      "memory_efficiency: {value: 0.5, source: test}\n");
}

MpiJob rank_job(const std::string& strategy, int ranks, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"--strategy", strategy,     "--context", "2049",   "--heads", "4",        "--kv-heads",
                                "2",          "--head-dim", "32",        "--reps", "2",       "--warmup", "1"};
  args.insert(args.end(), extra.begin(), extra.end());
  // -q as run_live gives it: mpirun's help text would push the rank's message out of the error.
  return {.program = live::live_cpu_program().string(), .args = args, .ranks = ranks, .mpirun_options = {"-q"}};
}

}  // namespace

TEST_CASE("live: every strategy's output on every rank matches the reference over the whole cache", "[live]") {
  for (const auto& [strategy, ranks, extra] :
       std::vector<std::tuple<std::string, int, std::vector<std::string>>>{{"single", 1, {}},
                                                                           {"tree", 2, {}},
                                                                           {"tree", 2, {"--fuse-sums"}},
                                                                           {"ring", 2, {}},
                                                                           {"ring", 2, {"--output-one"}}}) {
    INFO(strategy << " on " << ranks << " ranks");
    const live::RankReport report = live::parse_rank_report(run_mpi_job(rank_job(strategy, ranks, extra)).stdout_text);
    CHECK(report.ranks == ranks);
    CHECK(report.rep_seconds.size() == 2);
    for (double s : report.rep_seconds) CHECK(s > 0);
    CHECK(report.max_relative_error <= 1e-4);
    // Before each timed step, the kernel alone on the largest shard (2049 tokens split 1025 + 1024).
    CHECK(report.kernel_tokens == (ranks == 1 ? 2049 : 1025));
    REQUIRE(report.kernel_seconds.size() == 2);
    for (double s : report.kernel_seconds) CHECK(s > 0);
    // And for ring one rotation alone: K and V of the largest shard, 2 x 4 B x 1025 x 2 x 32.
    if (strategy == "ring") {
      CHECK(report.rotation_bytes == 2.0 * 4 * 1025 * 2 * 32);
      REQUIRE(report.rotation_seconds.size() == 2);
      for (double s : report.rotation_seconds) CHECK(s > 0);
    } else {
      CHECK(report.rotation_seconds.empty());
    }
  }
}

TEST_CASE("live: a corrupted output fails the check, with the error value, and the job exits non-zero",
          "[live][errors]") {
  for (const char* strategy : {"tree", "ring"}) {
    INFO(strategy);
    CHECK_THROWS_WITH(run_mpi_job(rank_job(strategy, 2, {"--corrupt-for-test"})),
                      Catch::Contains("output check failed") && Catch::Contains("max relative error"));
  }
}

TEST_CASE("live: the planner refuses what this machine cannot hold and says why", "[live][errors]") {
  testing::ScratchDir scratch;
  const scenarios::Scenario s = scenarios::load_scenario(tiny_scenario(scratch, "[tree, ring]", "2"));
  const live::Machine one_core{.host = "small", .cores = 1, .available_memory_bytes = 64e9};
  SECTION("more ranks than cores: refused unless oversubscribing") {
    CHECK_THROWS_WITH(live::plan_live_cases(s, one_core, false),
                      Catch::Contains("needs 2 ranks but small has 1 cores") && Catch::Contains("--oversubscribe"));
    CHECK(live::plan_live_cases(s, one_core, true).size() == 4);
  }
  SECTION("not enough memory: refused with the numbers") {
    const live::Machine tiny_memory{.host = "small", .cores = 8, .available_memory_bytes = 1e5};
    CHECK_THROWS_WITH(live::plan_live_cases(s, tiny_memory, false),
                      Catch::Contains("of host memory") && Catch::Contains("0.00 GB available"));
  }
  SECTION("the memory a case needs: the whole cache, plus a receive buffer per rank for ring") {
    const auto plan = live::plan_live_cases(s, {.host = "big", .cores = 8, .available_memory_bytes = 64e9}, false);
    const double cache = 2.0 * 3001 * 2 * 64 * 4;                                  // K and V, fp32
    CHECK(plan[2].memory_bytes == Approx(cache));                                  // tree, 3001 tokens
    CHECK(plan[3].memory_bytes == Approx(cache + 2 * (2.0 * 1501 * 2 * 64 * 4)));  // ring
  }
}

TEST_CASE("live: cases the CPU backend lacks are reported unsupported with why, not run", "[live]") {
  testing::ScratchDir scratch;
  const std::string path = scratch.write("mixed.yaml",
                                         "name: mixed\n"
                                         "topology: {generator: cpu_host, ranks: 2}\n"
                                         "device: cpu_core\n"
                                         "workload: {heads: 4, head_dim: 64, context: 1000, dtype: [fp32, bf16]}\n"
                                         "strategies: [tree, tree_topology_aware]\n");
  const auto plan = live::plan_live_cases(scenarios::load_scenario(path),
                                          {.host = "h", .cores = 8, .available_memory_bytes = 64e9}, false);
  REQUIRE(plan.size() == 4);
  CHECK(plan[0].unsupported.empty());
  CHECK(plan[0].backend == live::Backend::cpu);
  CHECK(plan[0].ranks == 2);
  CHECK_THAT(plan[1].unsupported, Catch::Contains("tree_topology_aware has no live implementation"));
  CHECK_THAT(plan[2].unsupported, Catch::Contains("dtype bf16"));
}

SCENARIO("clustersim live runs a tiny scenario and writes measured results in the results schema", "[live][cli]") {
  testing::ScratchDir scratch;
  const fs::path out = fs::path(scratch.path()) / "live";
  const Run run = run_clustersim("live " + tiny_scenario(scratch) + " --reps 2 --out " + out.string());
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(run.err.find("[1/4] tree p=2 context 1000: ") != std::string::npos);
  CHECK(run.out.find("# 4 cases, 4 run live") != std::string::npos);
  const results::Results results = results::results_from_json_text(slurp(out / "results.json"));
  CHECK(results.mode == "live");
  REQUIRE(results.cases.size() == 4);
  for (const auto& c : results.cases) {
    CHECK(c.status == results::CaseStatus::ok);
    CHECK(c.gpus == 2);
    CHECK(c.repetitions == 2);
    CHECK(c.latency_s > 0);
    CHECK(c.latency_s_min <= c.latency_s);
    CHECK(c.latency_s <= c.latency_s_max);
    CHECK(c.output_max_relative_error <= 1e-4);
  }
  CHECK(slurp(out / "results.csv")
            .find(",repetitions,latency_s_min,latency_s_max,output_max_relative_error,host_mem_bytes,"
                  "host_memory_capacity_bytes,throughput_tokens_per_s,largest_batch_that_fits,tokens_per_USD,"
                  "disk_bytes,disk_capacity_bytes\n") != std::string::npos);
}

namespace {

/// (process, track, slice name) of every slice of a Chrome trace, and a check of their times.
std::set<std::tuple<int, std::string, std::string>> slices_of(const std::string& trace_json) {
  const nlohmann::json trace = nlohmann::json::parse(trace_json);
  std::set<std::tuple<int, std::string, std::string>> slices;
  for (const nlohmann::json& e : trace.at("traceEvents")) {
    if (e.at("ph") != "X") continue;
    CHECK(e.at("ts").get<double>() >= 0);
    CHECK(e.at("dur").get<double>() >= 0);
    slices.emplace(e.at("pid").get<int>(), e.at("cat").get<std::string>(), e.at("name").get<std::string>());
  }
  return slices;
}

}  // namespace

SCENARIO("clustersim live --trace writes the measured step with the simulated trace's slices", "[live][cli]") {
  testing::ScratchDir scratch;
  const std::string scenario = tiny_scenario(scratch);
  const int traced = GENERATE(0, 1);  // tree and ring at 1000 tokens
  const fs::path live_trace = fs::path(scratch.path()) / "live.json", sim_trace = fs::path(scratch.path()) / "sim.json";
  const Run live = run_clustersim("live " + scenario + " --reps 2 --quiet --out " + scratch.path() + "/live --trace " +
                                  live_trace.string() + " --trace-case " + std::to_string(traced));
  INFO(live.err);
  REQUIRE(live.exit_code == 0);
  CHECK(live.out.find("# trace of case " + std::to_string(traced)) != std::string::npos);
  REQUIRE(run_clustersim("simulate " + scenario + " --quiet --no-report --out " + scratch.path() + "/sim --trace " +
                         sim_trace.string() + " --trace-case " + std::to_string(traced))
              .exit_code == 0);
  const auto measured = slices_of(slurp(live_trace));
  CHECK(measured == slices_of(slurp(sim_trace)));
  // Each case's own pieces: the tree's three allreduces, the ring's one hop both ways.
  if (traced == 0) CHECK(measured.count({1, "collective", "allreduce_max_lse"}) == 1);
  if (traced == 1) CHECK(measured.count({0, "recv", "kv_hop_0"}) == 1);
  AND_THEN("a case index past the scenario's end is bad input") {
    const Run bad = run_clustersim("live " + scenario + " --trace " + live_trace.string() + " --trace-case 9");
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("--trace-case 9 is out of range: the scenario has 4 cases") != std::string::npos);
  }
}

SCENARIO("clustersim live without mpirun fails clearly and writes nothing", "[live][cli][errors]") {
  testing::ScratchDir scratch;
  const fs::path out = fs::path(scratch.path()) / "live";
  const Run run = run_clustersim("live " + tiny_scenario(scratch) + " --out " + out.string(),
                                 "CLUSTERSIM_MPIRUN=/nonexistent/mpirun");
  CHECK(run.exit_code == 1);
  CHECK(run.err.find("CLUSTERSIM_MPIRUN='/nonexistent/mpirun' is not an executable file") != std::string::npos);
  CHECK_FALSE(fs::exists(out));
}

SCENARIO("clustersim validate with a given profile writes the comparison and prints its summary", "[live][cli]") {
  testing::ScratchDir scratch;
  const fs::path out = fs::path(scratch.path()) / "validation";
  const Run run = run_clustersim("validate " + tiny_scenario(scratch) + " --profile " + measured_profile(scratch) +
                                 " --reps 2 --out " + out.string());
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(run.out.find("# 4 cases; |error| median ") != std::string::npos);
  const nlohmann::json comparison = nlohmann::json::parse(slurp(out / "comparison.json"));
  CHECK(comparison["summary"]["cases"] == 4);
  CHECK(comparison["summary"]["max_abs_error_percent"].get<double>() >=
        comparison["summary"]["median_abs_error_percent"].get<double>());
  REQUIRE(comparison["cases"].size() == 4);
  for (const auto& c : comparison["cases"]) {
    CHECK(c["predicted_s"].get<double>() > 0);
    CHECK(c["measured_s"].get<double>() > 0);
    CHECK(c["repetitions"] == 2);
  }
  const std::string csv = slurp(out / "comparison.csv");
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 5);  // header and 4 cases
  CHECK(results::results_from_json_text(slurp(out / "results.json")).mode == "live");
  CHECK(results::results_from_json_text(slurp(out / "predicted_results.json")).mode == "simulate");
  // A profile calibration did not write has no kernel of this machine to time again.
  CHECK(run.err.find("timing the decode kernel again") == std::string::npos);
  CHECK_FALSE(comparison.contains("kernel_recheck"));
}

TEST_CASE("live: the comparison joins on the case index and reports the prediction's error", "[live]") {
  results::Results predicted{.mode = "simulate", .scenario = "s"}, measured{.mode = "live", .scenario = "s"};
  for (int i = 0; i < 3; ++i) {
    predicted.cases.push_back({.index = i, .gpus = 2, .strategy = "tree", .context = 1000 * (i + 1)});
    predicted.cases.back().latency_s = 1.1e-3;  // 10 % high against a 1 ms measurement
    measured.cases.push_back(predicted.cases.back());
    measured.cases.back().latency_s = 1e-3;
    measured.cases.back().latency_s_min = 0.9e-3;
    measured.cases.back().latency_s_max = 1.2e-3;
  }
  predicted.cases[2].latency_s = 0.7e-3;  // 30 % low
  measured.cases[1].status = results::CaseStatus::unsupported;
  const results::Comparison c = results::compare(predicted, measured, "p.yaml");
  REQUIRE(c.cases.size() == 2);
  CHECK(c.cases[0].error_percent == Approx(10));
  CHECK(c.cases[1].error_percent == Approx(-30));
  CHECK(c.cases[0].spread == Approx(0.3));
  CHECK(c.median_abs_error_percent == Approx(20));
  CHECK(c.max_abs_error_percent == Approx(30));
  AND_THEN("the kernel's drift while a case ran, where known, goes beside its error") {
    results::Comparison with_drift = c;
    with_drift.cases[0].kernel_in_case =
        results::RateRecheck{.bytes = 1 << 20, .profile_Bps = 10e9, .now_Bps = 11.25e9};  // +12.5 %
    with_drift.cases[1].rotation_link_class = "shared_memory";
    with_drift.cases[1].rotation_in_case =
        results::RateRecheck{.bytes = 1 << 22, .profile_Bps = 8e9, .now_Bps = 6e9};  // -25 %
    const std::string table = reports::format_comparison_table(with_drift);
    CHECK(table.find("+10.0    +12.5        -           -        -\n") != std::string::npos);
    CHECK(table.find("-30.0        -    -25.0           -        -\n") != std::string::npos);
    CHECK(table.find("# link: one rotation of the ring's shards alone") != std::string::npos);
    CHECK(table.find("# kernel: the decode kernel alone on the case's shard, timed by its ranks before each step") !=
          std::string::npos);
    CHECK(reports::format_comparison_table(c).find("# kernel:") == std::string::npos);
    const std::string csv = results::to_csv(with_drift);
    CHECK(csv.find(",error_percent,kernel_change_percent,rotation_change_percent,retimed_predicted_s,"
                   "retimed_error_percent\n") != std::string::npos);
    CHECK(csv.find(",12.5,,,\n") != std::string::npos);
    CHECK(csv.find(",-30,,-25,,\n") != std::string::npos);
    const nlohmann::json j = nlohmann::json::parse(results::to_json_text(with_drift));
    CHECK(j["cases"][0]["kernel_change_percent"] == Approx(12.5));
    CHECK(j["cases"][0]["kernel_in_case_GBps"] == Approx(11.25));
    CHECK(j["cases"][0]["kernel_profile_GBps"] == Approx(10));
    CHECK(j["cases"][0]["kernel_bytes_per_rank"] == 1 << 20);
    CHECK_FALSE(j["cases"][1].contains("kernel_change_percent"));
    CHECK(j["cases"][1]["rotation_change_percent"] == Approx(-25));
    CHECK(j["cases"][1]["rotation_in_case_GBps"] == Approx(6));
    CHECK(j["cases"][1]["rotation_profile_GBps"] == Approx(8));
    CHECK(j["cases"][1]["rotation_bytes_per_rank"] == 1 << 22);
    CHECK(j["cases"][1]["rotation_link_class"] == "shared_memory");
    CHECK_FALSE(j["cases"][0].contains("rotation_change_percent"));
    CHECK_FALSE(j["summary"].contains("retimed_median_abs_error_percent"));
  }
  AND_THEN("the cases predicted again at the kernel's rate join on the index, with their own error summary") {
    results::Comparison again = c;
    results::Results retimed{.mode = "simulate", .scenario = "s"};
    for (const auto& [index, latency_s] : {std::pair{0, 1.05e-3}, {1, 5e-3}, {2, 0.8e-3}}) {
      retimed.cases.push_back({.index = index});
      retimed.cases.back().latency_s = latency_s;
    }
    results::add_retimed_predictions(again, retimed);
    REQUIRE(again.cases[0].retimed_error_percent);
    CHECK(*again.cases[0].retimed_error_percent == Approx(5));
    CHECK(*again.cases[1].retimed_error_percent == Approx(-20));
    CHECK(*again.retimed_median_abs_error_percent == Approx(12.5));
    CHECK(*again.retimed_max_abs_error_percent == Approx(20));
    CHECK(again.median_abs_error_percent == Approx(20));  // the prediction's own error is kept
    const std::string table = reports::format_comparison_table(again);
    CHECK(table.find("       1.050     +5.0\n") != std::string::npos);
    CHECK(table.find("; |error*| median 12.5 %, max 20.0 %\n") != std::string::npos);
    CHECK(table.find("# predicted*, error*: the case predicted again") != std::string::npos);
    const nlohmann::json j = nlohmann::json::parse(results::to_json_text(again));
    CHECK(j["cases"][1]["retimed_predicted_s"] == Approx(0.8e-3));
    CHECK(j["summary"]["retimed_max_abs_error_percent"] == Approx(20));
    CHECK(results::to_csv(again).find(",0.00105,") != std::string::npos);
  }
}

SCENARIO("clustersim live refuses a case with more ranks than cores before running anything", "[live][cli][errors]") {
  testing::ScratchDir scratch;
  // 64 ranks (cpu_host's most): more than any machine this runs on has cores.
  const std::string scenario = scratch.write("big.yaml",
                                             "name: big\n"
                                             "topology: {generator: cpu_host, ranks: 64}\n"
                                             "device: cpu_core\n"
                                             "workload: {heads: 4, head_dim: 64, context: 1000, dtype: fp32}\n"
                                             "strategies: [tree]\n");
  const fs::path out = fs::path(scratch.path()) / "live";
  const Run run = run_clustersim("live " + scenario + " --out " + out.string());
  CHECK(run.exit_code == 2);
  CHECK(run.err.find("case 0 (tree on 64 ranks, context 1000) needs 64 ranks") != std::string::npos);
  CHECK(run.err.find("--oversubscribe") != std::string::npos);
  CHECK_FALSE(fs::exists(out));
}

SCENARIO("clustersim live runs emulated-cluster cases on a cluster it builds, as root", "[live][cli][emulated]") {
  testing::ScratchDir scratch;
  const fs::path out = fs::path(scratch.path()) / "live";
  // The ring sends each rank's whole shard across the 0.5 Gbit/s link: 2000 tokens x 8 heads x
  // 128 x 4 B, K and V, 16.4 MB, about a quarter of a second; on this host it would take ms.
  const std::string scenario =
      scratch.write("emulated.yaml",
                    "name: emulated_live\n"
                    "topology: {generator: emulated_cluster, nodes: 2, ranks_per_node: 1, inter_node_Gbps: 0.5}\n"
                    "device: cpu_core\n"
                    "workload: {batch: 1, heads: 8, kv_heads: 8, head_dim: 128, context: [4000], dtype: fp32}\n"
                    "strategies: [tree, ring]\n");
  const Run run = run_clustersim("live " + scenario + " --reps 1 --warmup 1 --out " + out.string());
  INFO(run.err);
  std::string why;
  if (!live::can_emulate_cluster(why)) {
    CHECK(run.exit_code != 0);
    CHECK(run.err.find("skipping the 2 cases on an emulated cluster: " + why) != std::string::npos);
    CHECK_FALSE(fs::exists(out));
    WARN("not run: " << why);
    return;
  }
  REQUIRE(run.exit_code == 0);
  CHECK(run.err.find("[2/2] ring p=2 context 4000: ") != std::string::npos);
  const results::Results results = results::results_from_json_text(slurp(out / "results.json"));
  REQUIRE(results.cases.size() == 2);
  for (const auto& c : results.cases) {
    CHECK(c.status == results::CaseStatus::ok);
    CHECK(c.output_max_relative_error <= 1e-4);
  }
  // Each of the two tc queues a message crosses lets at most its 64 KiB bucket through at once.
  const double shard_bytes = 2.0 * 2000 * 8 * 128 * 4, rate_Bps = 0.5e9 / 8;
  CHECK(results.cases[1].latency_s >= (shard_bytes - 2 * (64 << 10)) / rate_Bps);
}
