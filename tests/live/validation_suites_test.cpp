// SPDX-License-Identifier: Apache-2.0
// The shipped validation suites, run as the README says (with fewer repetitions): the CPU suite
// and, as root, the emulated-cluster suite. They check that every case ran, that its output
// passed the reference check, and that the comparison was produced, with the decode kernel
// timed by the ranks during each case and again after the live runs; not the prediction's error,
// which depends on the machine and its load. The one live timing fact checked is physics with a wide
// margin: ring attention, which sends a whole K/V shard between the nodes, is slower over a link
// 8x slower.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <vector>

#include <nlohmann/json.hpp>

#include "live/emulated_cluster.hpp"
#include "model/attention.hpp"
#include "model/device_profile.hpp"
#include "model/strategy_parts/strategy_parts.hpp"
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
  // And by the ranks themselves before each of a case's steps: the kernel alone on their shards
  // and, for ring, one rotation of them; the case is then predicted again from a profile whose
  // memory bandwidth moved by the kernel's change and whose link moved by the rotation's. Every
  // kernel on the step's critical path is retimed by that: tree, the partial attention, then the
  // rescale and the normalize between its allreduces (small, but a calibration whose curve is
  // low at small sizes makes them tens of microseconds); ring on p ranks, p kernels (attention
  // and merge) and p - 1 rotations, which on a CPU do not overlap (the cores that attend are the
  // ones that copy). A kernel is a roofline: one that gets faster than its compute stops at it.
  const model::DeviceProfile profile = model::load_device_profile(scratch.path() + "/validation/profile.yaml");
  const auto seconds_at = [](const nlohmann::json& c, const std::string& piece, const std::string& rate) {
    return c[piece + "_bytes_per_rank"].get<double>() / (c[piece + "_" + rate + "_GBps"].get<double>() * 1e9);
  };
  for (const auto& c : comparison["cases"]) {
    REQUIRE(c.contains("kernel_change_percent"));
    const double change = c["kernel_change_percent"].get<double>();
    CHECK(std::isfinite(change));
    CHECK(change > -100);  // a rate, so never below zero
    REQUIRE(c.contains("retimed_predicted_s"));
    const bool ring = c["strategy"] == "ring";
    REQUIRE(c.contains("rotation_change_percent") == ring);
    const std::string retimed_path =
        scratch.path() + "/validation/profile_retimed_case_" + std::to_string(c["index"].get<int>()) + ".yaml";
    const model::DeviceProfile retimed = model::load_device_profile(retimed_path);
    CHECK(retimed.hbm_bandwidth.value == Approx(profile.hbm_bandwidth.value * (1 + change / 100)).epsilon(1e-3));
    const int p = c["gpus"].get<int>();
    const model::AttentionShape suite{.batch = 1,
                                      .heads = 8,
                                      .kv_heads = 8,
                                      .head_dim = 128,
                                      .context = c["context"].get<std::int64_t>(),
                                      .dtype = model::DType::fp32};
    const double shard = static_cast<double>(model::shard_tokens(suite.context, p).front());
    const model::KernelCost attend = model::kernels::partial_attention(suite, shard);
    const model::KernelCost merge = model::kernels::merge(suite);
    const std::vector<model::KernelCost> critical_path =
        ring ? std::vector<model::KernelCost>(p, {attend.flops + merge.flops, attend.hbm_bytes + merge.hbm_bytes})
             : std::vector<model::KernelCost>{attend, model::kernels::rescale(suite), model::kernels::normalize(suite)};
    double kernels_s = 0;
    for (const model::KernelCost& k : critical_path)
      kernels_s += retimed.kernel_time(k.flops, k.hbm_bytes, model::DType::fp32) -
                   profile.kernel_time(k.flops, k.hbm_bytes, model::DType::fp32);
    const double rotation_s = ring ? seconds_at(c, "rotation", "in_case") - seconds_at(c, "rotation", "profile") : 0;
    const double expected_s = kernels_s + (ring ? p - 1 : 0) * rotation_s;
    const double moved_s = c["retimed_predicted_s"].get<double>() - c["predicted_s"].get<double>();
    INFO(c["strategy"] << " at " << c["context"] << " tokens: prediction moved by " << moved_s * 1e3
                       << " ms, its kernels by " << kernels_s * 1e3 << " ms, each rotation by " << rotation_s * 1e3
                       << " ms");
    CHECK(std::abs(moved_s - expected_s) <= 0.005 * std::abs(expected_s) + 5e-6);
    const std::string retimed_text = slurp(retimed_path);
    CHECK(retimed_text.find("the decode kernel alone on") != std::string::npos);
    CHECK((retimed_text.find("one rotation of") != std::string::npos) == ring);
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
