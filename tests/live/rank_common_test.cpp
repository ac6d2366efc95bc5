// SPDX-License-Identifier: Apache-2.0
// What the CPU and GPU rank programs share: the shard split, their command line, and the report
// line that `clustersim live` reads back.
#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "live/rank_report.hpp"
#include "programs/rank_common/rank_options.hpp"
#include "programs/rank_common/report_line.hpp"
#include "programs/rank_common/shard_split.hpp"

using namespace clustersim::live;

namespace {

RankOptions parse(std::vector<const char*> args, RankBackend backend) {
  args.insert(args.begin(), "program");
  return parse_rank_options(static_cast<int>(args.size()), args.data(), backend);
}

}  // namespace

TEST_CASE("rank programs: shards are contiguous, cover the context, the first ones one longer", "[live]") {
  const ShardSplit split = split_context(10, 4);
  CHECK(split.tokens == std::vector<std::int64_t>{3, 3, 2, 2});
  CHECK(split.first_token == std::vector<std::int64_t>{0, 3, 6, 8});
  CHECK(split_context(7, 1).tokens == std::vector<std::int64_t>{7});
}

TEST_CASE("rank programs: the command line, and the GPU-only options refused by the CPU program", "[live]") {
  const RankOptions o = parse({"--strategy", "ring", "--context", "4096", "--heads", "32", "--kv-heads", "8",
                               "--output-one", "--dtype", "fp16", "--gpus", "2"},
                              RankBackend::gpu);
  CHECK(o.step == RankStep::ring);
  CHECK(o.shape.tokens == 4096);
  CHECK(o.shape.heads == 32);
  CHECK_FALSE(o.output_on_all);
  CHECK(o.dtype == "fp16");
  CHECK(o.gpus == 2);
  CHECK(parse({"--count-gpus"}, RankBackend::gpu).count_gpus);
  CHECK_THROWS_WITH(parse({"--context", "64", "--dtype", "bf16"}, RankBackend::cpu),
                    Catch::Contains("unknown option --dtype"));
  CHECK_THROWS_WITH(parse({"--context", "64", "--dtype", "fp32"}, RankBackend::gpu),
                    Catch::Contains("--dtype must be bf16 or fp16"));
  CHECK_THROWS_WITH(parse({"--context", "-3"}, RankBackend::cpu), Catch::Contains("non-negative integer"));
  CHECK_THROWS_WITH(parse({"--context", "64", "--heads", "6", "--kv-heads", "4"}, RankBackend::cpu),
                    Catch::Contains("dividing --heads"));
  CHECK_THROWS_WITH(parse({"--context", "64", "--strategy", "star"}, RankBackend::gpu),
                    Catch::Contains("single, tree or ring"));
}

TEST_CASE(
    "rank programs: the report line reads back, the GPU's with its dtype, the CPU's with its pieces alone, a NaN "
    "error as null",
    "[live]") {
  const std::string line = format_report_line({.program = "clustersim_live_gpu",
                                               .strategy = "tree",
                                               .ranks = 2,
                                               .context = 16384,
                                               .dtype = "bf16",
                                               .warmup = 1,
                                               .max_relative_error = 3e-6,
                                               .tolerance = 2e-3,
                                               .rep_seconds = {1.5e-4, 1.25e-4}});
  CHECK_THAT(line, Catch::Contains("\"dtype\":\"bf16\""));
  const RankReport report = parse_rank_report("NCCL INFO noise\n" + line + "\n");
  CHECK(report.ranks == 2);
  CHECK(report.rep_seconds == std::vector<double>{1.5e-4, 1.25e-4});
  CHECK(report.max_relative_error == Approx(3e-6));
  CHECK(report.tolerance == Approx(2e-3));
  CHECK(report.kernel_seconds.empty());  // the GPU program does not time the kernel alone
  const std::string cpu_line = format_report_line({.program = "clustersim_live_cpu",
                                                   .strategy = "tree",
                                                   .ranks = 2,
                                                   .rep_seconds = {2e-3},
                                                   .kernel_seconds = {1.5e-3, 1.75e-3},
                                                   .kernel_tokens = 1025,
                                                   .rotation_seconds = {4e-3},
                                                   .rotation_bytes = 524800});
  const RankReport cpu = parse_rank_report(cpu_line);
  CHECK(cpu.kernel_seconds == std::vector<double>{1.5e-3, 1.75e-3});
  CHECK(cpu.kernel_tokens == 1025);
  CHECK(cpu.rotation_seconds == std::vector<double>{4e-3});
  CHECK(cpu.rotation_bytes == 524800);
  const std::string nan_line = format_report_line(
      {.program = "clustersim_live_cpu", .strategy = "ring", .max_relative_error = std::nan(""), .rep_seconds = {1.0}});
  CHECK_THAT(nan_line, Catch::Contains("\"max_relative_error\":null") && !Catch::Contains("dtype"));
}
