// SPDX-License-Identifier: Apache-2.0
#include "programs/rank_common/rank_options.hpp"

#include <cstdlib>
#include <stdexcept>

namespace clustersim::live {
namespace {

long long number_arg(const std::string& name, const char* text) {
  char* end = nullptr;
  const long long value = std::strtoll(text, &end, 10);
  if (end == text || *end != '\0' || value < 0)
    throw std::invalid_argument(name + " expects a non-negative integer, got '" + text + "'");
  return value;
}

int int_arg(const std::string& name, const char* text) {
  const long long value = number_arg(name, text);
  if (value > 1'000'000'000) throw std::invalid_argument(name + " is out of range: " + text);
  return static_cast<int>(value);
}

constexpr RankStep kSteps[] = {RankStep::single, RankStep::tree, RankStep::ring};

RankStep step_arg(const std::string& value) {
  for (const RankStep step : kSteps)
    if (value == to_string(step)) return step;
  throw std::invalid_argument("--strategy must be single, tree or ring, got '" + value + "'");
}

}  // namespace

const char* to_string(RankStep step) {
  switch (step) {
    case RankStep::single: return "single";
    case RankStep::tree: return "tree";
    case RankStep::ring: return "ring";
  }
  return "?";
}

RankOptions parse_rank_options(int argc, const char* const* argv, RankBackend backend) {
  const bool gpu = backend == RankBackend::gpu;
  RankOptions o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--fuse-sums") {
      o.fuse_sums = true;
      continue;
    }
    if (arg == "--output-one") {
      o.output_on_all = false;
      continue;
    }
    if (arg == "--corrupt-for-test") {
      o.corrupt_for_test = true;
      continue;
    }
    if (gpu && arg == "--count-gpus") {
      o.count_gpus = true;
      continue;
    }
    if (!gpu && arg == "--trace") {
      o.trace = true;
      continue;
    }
    if (i + 1 >= argc) throw std::invalid_argument("unknown option or missing value: " + arg);
    const char* value = argv[++i];
    if (arg == "--strategy") o.step = step_arg(value);
    else if (arg == "--context") o.shape.tokens = number_arg(arg, value);
    else if (arg == "--batch") o.shape.batch = int_arg(arg, value);
    else if (arg == "--heads") o.shape.heads = int_arg(arg, value);
    else if (arg == "--kv-heads") o.shape.kv_heads = int_arg(arg, value);
    else if (arg == "--head-dim") o.shape.head_dim = int_arg(arg, value);
    else if (arg == "--reps") o.reps = int_arg(arg, value);
    else if (arg == "--warmup") o.warmup = int_arg(arg, value);
    else if (arg == "--seed") o.seed = static_cast<std::uint64_t>(number_arg(arg, value));
    else if (gpu && arg == "--dtype") o.dtype = value;
    else if (gpu && arg == "--gpus") o.gpus = int_arg(arg, value);
    else throw std::invalid_argument("unknown option " + arg);
  }
  if (o.count_gpus) return o;  // nothing else is read
  if (o.shape.tokens <= 0 || o.shape.batch <= 0 || o.shape.heads <= 0 || o.shape.kv_heads <= 0 ||
      o.shape.head_dim <= 0 || o.shape.heads % o.shape.kv_heads != 0)
    throw std::invalid_argument(
        "need positive --context, --batch, --heads, --kv-heads (dividing --heads) and --head-dim");
  if (o.reps < 1) throw std::invalid_argument("--reps must be at least 1");
  if (gpu && o.dtype != "bf16" && o.dtype != "fp16")
    throw std::invalid_argument("--dtype must be bf16 or fp16, got '" + o.dtype + "'");
  if (gpu && o.gpus < 1) throw std::invalid_argument("--gpus must be at least 1");
  return o;
}

}  // namespace clustersim::live
