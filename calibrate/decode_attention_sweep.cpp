// SPDX-License-Identifier: Apache-2.0
// The kernel is checked on a small GQA shape before anything is timed. Each context gets fresh
// buffers filled by the thread that will read them (first touch), freed before the next one so
// the largest context alone sets the memory needed; small shards get several copies, read in
// turn, so that no call finds its K and V in cache.
#include "calibrate/decode_attention_sweep.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "calibrate/thread_team.hpp"
#include "model/attention.hpp"

namespace clustersim::calibrate {
namespace {

double check_against_reference() {
  const kernels::DecodeShape shape{.batch = 2, .heads = 4, .kv_heads = 2, .head_dim = 64, .tokens = 1000};
  std::vector<float> q(shape.query_elements()), k(shape.key_elements()), v(shape.key_elements());
  kernels::fill_uniform(q.data(), q.size(), 7);
  kernels::fill_kv_shard(shape, 0, 7, k.data(), v.data());
  kernels::AttentionPartials partials;
  kernels::decode_attention_partials(shape, q.data(), k.data(), v.data(), partials);
  return kernels::max_relative_error(kernels::attention_output(partials, shape.head_dim),
                                     kernels::reference_decode_attention(shape, q.data(), k.data(), v.data()));
}

struct RankBuffers {
  std::vector<float> q;
  std::vector<std::vector<float>> k, v;  // copies of the same shard, read in turn
  std::size_t next = 0;
  kernels::AttentionPartials out;
};

}  // namespace

DecodeSweepResult measure_decode_attention(const DecodeSweepPlan& plan,
                                           const std::function<void(const std::string&)>& progress) {
  DecodeSweepResult result;
  progress("checking the kernel against the double-precision reference");
  result.check_error = check_against_reference();
  result.check_passed = result.check_error <= kDecodeCheckTolerance;
  if (!result.check_passed) return result;

  const model::AttentionShape charged{.batch = plan.shape.batch,
                                      .heads = plan.shape.heads,
                                      .kv_heads = plan.shape.kv_heads,
                                      .head_dim = plan.shape.head_dim,
                                      .dtype = model::DType::fp32,
                                      .partials_dtype = model::DType::fp32};
  result.csv = "tokens,bytes,ranks,repetition,seconds\n";
  ThreadTeam team(plan.ranks);
  for (std::size_t i = 0; i < plan.contexts.size(); ++i) {
    kernels::DecodeShape shape = plan.shape;
    shape.tokens = plan.contexts[i];
    progress(fmt::format("context {} ({}/{})", shape.tokens, i + 1, plan.contexts.size()));
    const double shard_bytes = shape.bytes_read();
    const auto copies =
        static_cast<std::size_t>(std::clamp(std::ceil(plan.cold_bytes / (shard_bytes * plan.ranks)), 1.0, 64.0));
    std::vector<RankBuffers> ranks(plan.ranks);
    team.run([&](int rank) {
      RankBuffers& b = ranks[rank];
      b.q.resize(shape.query_elements());
      kernels::fill_uniform(b.q.data(), b.q.size(), 11, rank);
      b.k.assign(1, std::vector<float>(shape.key_elements()));
      b.v.assign(1, std::vector<float>(shape.key_elements()));
      kernels::fill_kv_shard(shape, shape.tokens * rank, 11, b.k[0].data(), b.v[0].data());
      b.k.resize(copies, b.k[0]);
      b.v.resize(copies, b.v[0]);
    });
    DecodePoint point{.tokens = shape.tokens, .bytes = charged.attention_hbm_bytes(static_cast<double>(shape.tokens))};
    point.seconds = time_per_call(
        fmt::format("decode_attention/tokens:{}/ranks:{}", shape.tokens, plan.ranks),
        [&] {
          team.run([&](int rank) {
            RankBuffers& b = ranks[rank];
            const std::size_t c = b.next++ % b.k.size();
            kernels::decode_attention_partials(shape, b.q.data(), b.k[c].data(), b.v[c].data(), b.out);
          });
        },
        plan.timing);
    for (std::size_t r = 0; r < point.seconds.values.size(); ++r)
      result.csv +=
          fmt::format("{},{},{},{},{:.6e}\n", point.tokens, point.bytes, plan.ranks, r, point.seconds.values[r]);
    result.points.push_back(std::move(point));
  }
  return result;
}

}  // namespace clustersim::calibrate
