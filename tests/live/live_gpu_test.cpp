// SPDX-License-Identifier: Apache-2.0
// The GPU backend without a GPU: the planner picks it for GPU topologies, `clustersim live`
// refuses GPU cases here with the reason and writes nothing, and clustersim_live_gpu says "no
// GPU" (exit 3) or rejects bad arguments (exit 2). Nothing here needs a GPU: the tests that run
// the program are skipped where it was not built (no CUDA or NCCL at build time).
#include <catch2/catch.hpp>

#include <filesystem>

#include "common/process_runner.hpp"
#include "live/gpu_inventory.hpp"
#include "live/live_plan.hpp"
#include "pipelines/run_live.hpp"
#include "support/run_clustersim.hpp"
#include "support/scratch_dir.hpp"

using namespace clustersim;
namespace fs = std::filesystem;

namespace {

const live::Machine kMachine{.host = "h", .cores = 8, .available_memory_bytes = 64e9};

/// The program beside the test binary's clustersim (live_gpu_program looks beside the running
/// executable, which here is the test binary, also in the build directory).
bool gpu_program_built() { return fs::exists(live::live_gpu_program()); }

ProcessOutput run_gpu_program(std::vector<std::string> args) {
  args.insert(args.begin(), live::live_gpu_program().string());
  return run_process({.command = args, .what = "clustersim_live_gpu", .timeout = std::chrono::seconds(60)});
}

}  // namespace

TEST_CASE("live: GPU topologies plan on the GPU backend, in bf16 or fp16 with p GPUs; fp32 is refused", "[live]") {
  testing::ScratchDir scratch;
  const std::string path = scratch.write("gpus.yaml",
                                         "name: gpus\n"
                                         "topology: {generator: dgx_h100_cluster, nodes: 1}\n"
                                         "device: h100_sxm\n"
                                         "gpus: 2\n"
                                         "workload: {heads: 32, kv_heads: 8, head_dim: 128, context: 4096, "
                                         "dtype: [bf16, fp32]}\n"
                                         "strategies: [single, ring]\n");
  const auto plan = live::plan_live_cases(scenarios::load_scenario(path), kMachine, false);
  REQUIRE(plan.size() == 4);
  for (const auto& p : plan) CHECK(p.backend == live::Backend::gpu);
  CHECK(plan[0].ranks == 1);  // single
  CHECK(plan[1].ranks == 2);
  CHECK(plan[1].unsupported.empty());
  const std::vector<std::string>& args = plan[1].args;
  CHECK(std::find(args.begin(), args.end(), "--dtype") + 1 < args.end());
  CHECK(*(std::find(args.begin(), args.end(), "--dtype") + 1) == "bf16");
  CHECK(*(std::find(args.begin(), args.end(), "--gpus") + 1) == "2");
  CHECK_THAT(plan[3].unsupported, Catch::Contains("dtype fp32") && Catch::Contains("bf16 or fp16"));
  // Ring holds two shards of 2048 tokens, 16-bit: 2 × (2 × 2048 × 8 × 128 × 2 B).
  CHECK(plan[1].rank_kv_bytes == Approx(2 * 2.0 * 2048 * 8 * 128 * 2));
}

TEST_CASE("live: GPU cases needing more GPUs than there are are refused, with the reason", "[live][errors]") {
  testing::ScratchDir scratch;
  const std::string path =
      scratch.write("gpus.yaml",
                    "name: gpus\n"
                    "topology: {generator: dgx_h100_cluster, nodes: 1}\n"
                    "device: h100_sxm\n"
                    "workload: {heads: 32, kv_heads: 8, head_dim: 128, context: 4096, dtype: bf16}\n"
                    "strategies: [ring]\n");
  const auto scenario = scenarios::load_scenario(path);
  const auto plan = live::plan_live_cases(scenario, kMachine, false);
  CHECK_THROWS_WITH(live::require_gpus(plan, {.count = 0, .why_none = "no GPU: no CUDA device visible"}, path),
                    Catch::Contains("case 0 (ring on 8 GPUs, context 4096) needs 8 GPUs; this machine has 0: no GPU"));
  CHECK_THROWS_WITH(live::require_gpus(plan, {.count = 4}, path), Catch::Contains("this machine has 4"));
  CHECK_NOTHROW(live::require_gpus(plan, {.count = 8}, path));
}

TEST_CASE("clustersim live refuses the GPU suite on a machine without a GPU and writes nothing", "[live][cli]") {
  int gpus = 0;
  if (gpu_program_built()) {
    const ProcessOutput count = run_gpu_program({"--count-gpus"});
    if (count.exit_code == 0) gpus = std::stoi(count.stdout_text);
  }
  if (gpus >= 2) {
    WARN("this machine has GPUs; the no-GPU refusal is not exercised");
    return;
  }
  testing::ScratchDir scratch;
  const fs::path out = fs::path(scratch.path()) / "gpu_live";
  const testing::Run run = testing::run_clustersim("live scenarios/gpu_multi_validation.yaml --out " + out.string());
  INFO(run.err);
  CHECK(run.exit_code != 0);
  CHECK_THAT(run.err, Catch::Contains(gpu_program_built() ? "needs 2 GPUs" : "was not built"));
  if (gpu_program_built() && gpus == 0) CHECK_THAT(run.err, Catch::Contains("no GPU"));
  CHECK_FALSE(fs::exists(out / "results.json"));
}

TEST_CASE("clustersim_live_gpu without a GPU exits 3 saying so; bad arguments exit 2", "[live][errors]") {
  if (!gpu_program_built()) {
    WARN("clustersim_live_gpu was not built (no CUDA or NCCL): skipped");
    return;
  }
  const ProcessOutput count = run_gpu_program({"--count-gpus"});
  if (count.exit_code == 0) {
    WARN("this machine has a GPU; the no-GPU exit is not exercised");
  } else {
    CHECK(count.exit_code == 3);
    CHECK_THAT(count.stderr_text, Catch::Contains("no GPU"));
    const ProcessOutput tree =
        run_gpu_program({"--strategy", "tree", "--context", "4096", "--heads", "32", "--kv-heads", "8", "--gpus", "2"});
    CHECK(tree.exit_code == 3);
    CHECK_THAT(tree.stderr_text, Catch::Contains("no GPU"));
  }
  const ProcessOutput bad = run_gpu_program({"--strategy", "tree", "--context", "4096", "--dtype", "fp32"});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.stderr_text, Catch::Contains("--dtype must be bf16 or fp16"));
  CHECK(run_gpu_program({"--strategy", "star", "--context", "64"}).exit_code == 2);
}
