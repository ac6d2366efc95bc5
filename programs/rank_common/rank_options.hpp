// SPDX-License-Identifier: Apache-2.0
// The command line of the live rank programs (clustersim_live_cpu, clustersim_live_gpu): one
// definition, so that `clustersim live` passes both the same case arguments. Plain C++ with no
// dependency, as both programs build on machines without the simulator's libraries.
#pragma once

#include <cstdint>
#include <string>

#include "kernels/cpu/decode_attention.hpp"

namespace clustersim::live {

enum class RankBackend { cpu, gpu };

/// The decode steps the rank programs implement. Each is the live kernel of the strategies whose
/// descriptor (model/strategies/) names it in its live arguments (`--strategy <step>`).
enum class RankStep {
  single,  ///< one rank attends over the whole cache
  tree,    ///< partial attention per shard, softmax statistics combined by allreduce
  ring,    ///< K/V shards rotate around the ranks, each attended in turn
};

/// The step's name on the command line and in the report line.
const char* to_string(RankStep step);

struct RankOptions {
  RankStep step = RankStep::tree;
  bool fuse_sums = false;      ///< tree: numerators and denominators in one allreduce
  bool output_on_all = true;   ///< ring: every device attends, else only the last
  kernels::DecodeShape shape;  ///< tokens = the whole context
  int reps = 5;
  int warmup = 2;  ///< as `clustersim live` (pipelines/run_live.hpp says why 2)
  std::uint64_t seed = 1;
  bool corrupt_for_test = false;  ///< perturbs one output element so that tests see the check fail
  bool trace = false;             ///< CPU only: report the last timed step's timeline
  // GPU only:
  std::string dtype = "bf16";  ///< K, V and q storage: bf16 or fp16
  int gpus = 1;                ///< local GPUs one process drives (single-process mode)
  bool count_gpus = false;     ///< print the number of usable GPUs and exit
};

/// Reads argv[1..argc). Options: --strategy single|tree|ring, --context, --batch, --heads,
/// --kv-heads, --head-dim, --fuse-sums, --output-one, --reps, --warmup, --seed, --corrupt-for-test;
/// for the CPU backend also --trace; for the GPU backend --dtype bf16|fp16, --gpus N and --count-gpus.
/// Throws: std::invalid_argument naming the bad option and what it expects.
RankOptions parse_rank_options(int argc, const char* const* argv, RankBackend backend);

}  // namespace clustersim::live
