// SPDX-License-Identifier: Apache-2.0
// The shipped validation suites, run as the README says (with fewer repetitions): the CPU suite
// and, as root, the emulated-cluster suite. They check that every case ran, that its output
// passed the reference check, and that the comparison was produced, with the decode kernel
// timed by the ranks during each case and again after the live runs; not the prediction's error,
// which depends on the machine and its load. The one timing fact checked is physics with a wide margin: ring attention, which
// sends a whole K/V shard between the nodes, is slower over a link 8x slower.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include <nlohmann/json.hpp>

#include "live/emulated_cluster.hpp"
#include "support/run_clustersim.hpp"
#include "support/scratch_dir.hpp"

using namespace clustersim;
using testing::run_clustersim;
using testing::slurp;

namespace {

nlohmann::json validate(const testing::ScratchDir& scratch, const std::string& scenario, const std::string& profile,
                        std::size_t cases) {
  const std::string out = scratch.path() + "/validation";
  const testing::Run run = run_clustersim("validate " + scenario + " --reps 2 --warmup 1 --out " + out +
                                          (profile.empty() ? "" : " --profile " + profile));
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(run.out.find(std::to_string(cases) + " cases; |error| median ") != std::string::npos);
  const nlohmann::json comparison = nlohmann::json::parse(slurp(out + "/comparison.json"));
  REQUIRE(comparison["cases"].size() == cases);
  for (const auto& c : comparison["cases"]) {
    CHECK(c["predicted_s"].get<double>() > 0);
    CHECK(c["measured_s"].get<double>() > 0);
  }
  const nlohmann::json live = nlohmann::json::parse(slurp(out + "/results.json"));
  for (const auto& c : live["cases"]) CHECK(c["output_max_relative_error"].get<double>() < 1e-4);
  return comparison;
}

}  // namespace

SCENARIO("the CPU validation suite runs from a fresh calibration and produces its comparison", "[live][suite]") {
  testing::ScratchDir scratch;
  const nlohmann::json comparison = validate(scratch, "scenarios/cpu_validation.yaml", "", 8);
  // The decode kernel timed again after the live runs, beside the profile's figure for that size.
  const nlohmann::json& recheck = comparison["kernel_recheck"];
  CHECK(recheck["bytes_per_rank"].get<double>() > 256e6);
  CHECK(recheck["profile_GBps"].get<double>() > 0);
  CHECK(recheck["after_live_GBps"].get<double>() > 0);
  CHECK(recheck["change_percent"].get<double>() ==
        Approx(100 * (recheck["after_live_GBps"].get<double>() / recheck["profile_GBps"].get<double>() - 1)));
  // And by the ranks themselves between each case's steps, on their shards; the case is then
  // predicted again with the kernel at that rate. Memory bounds the kernel at these sizes (a
  // 2k-token shard reads 16 MB for 8 MFLOP), so each kernel on the step's critical path moves by
  // the time the kernel alone moved: one for tree (the partials, then small allreduces), one per
  // rank for ring (every rank attends to every shard in turn).
  for (const auto& c : comparison["cases"]) {
    REQUIRE(c.contains("kernel_change_percent"));
    const double change = c["kernel_change_percent"].get<double>();
    CHECK(std::isfinite(change));
    CHECK(change > -100);  // a rate, so never below zero
    REQUIRE(c.contains("retimed_predicted_s"));
    const double bytes = c["kernel_bytes_per_rank"].get<double>();
    const double kernel_moved_s =
        bytes / (c["kernel_in_case_GBps"].get<double>() * 1e9) - bytes / (c["kernel_profile_GBps"].get<double>() * 1e9);
    const double kernels_on_path = c["strategy"] == "ring" ? c["gpus"].get<double>() : 1;
    const double moved_s = c["retimed_predicted_s"].get<double>() - c["predicted_s"].get<double>();
    INFO(c["strategy"] << " at " << c["context"] << " tokens, kernel " << change << " %: prediction moved by "
                       << moved_s * 1e3 << " ms, the kernel alone by " << kernel_moved_s * 1e3 << " ms");
    CHECK(std::abs(moved_s - kernels_on_path * kernel_moved_s) <= 0.01 * std::abs(moved_s) + 20e-6);
  }
  CHECK(comparison["summary"]["retimed_max_abs_error_percent"].get<double>() >=
        comparison["summary"]["retimed_median_abs_error_percent"].get<double>());
}

SCENARIO("the emulated-cluster suite runs as root, and the ring slows down with the link", "[live][suite][emulated]") {
  std::string why;
  if (!live::can_emulate_cluster(why)) {
    const testing::Run run = run_clustersim("validate scenarios/emulated_cluster_validation.yaml --reps 1");
    CHECK(run.exit_code != 0);
    CHECK(run.err.find("needs root") != std::string::npos);
    WARN("not run: " << why);
    return;
  }
  testing::ScratchDir scratch;
  const std::string profile = scratch.write("profile.yaml", slurp("tests/fixtures/cpu_measured.yaml"));
  const nlohmann::json comparison = validate(scratch, "scenarios/emulated_cluster_validation.yaml", profile, 12);
  std::map<std::string, double> ring_16k;  // topology -> measured
  for (const auto& c : comparison["cases"])
    if (c["strategy"] == "ring" && c["context"] == 16000) ring_16k[c["topology"]] = c["measured_s"];
  REQUIRE(ring_16k.size() == 2);
  CHECK(ring_16k["emulated_cluster:nodes=2,ranks_per_node=1,inter_node_Gbps=0.5"] >
        2 * ring_16k["emulated_cluster:nodes=2,ranks_per_node=1,inter_node_Gbps=4"]);
}
