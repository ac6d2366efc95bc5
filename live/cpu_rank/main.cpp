// SPDX-License-Identifier: Apache-2.0
// clustersim_live_cpu: one decode-attention step run for real, one MPI rank per device. Each
// rank generates its own contiguous shard of one global KV cache (the same cache whatever the
// rank count) and runs the strategy with MPI: tree = partials, then allreduces of the max, the
// numerators and the denominators; ring = p−1 rotations of the K/V shards, each overlapped with
// attention on the shard in hand. The step is timed as the slowest rank sees it, after warm-up,
// and every rank's output is checked against a double-precision reference over the whole cache.
// Rank 0 prints one JSON line on stdout; a failed check exits non-zero with the error on stderr.
// Links MPI and the kernels only, so it builds on nodes without the simulator's libraries.
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "kernels/cpu/decode_attention.hpp"
#include "live/rank_common/rank_options.hpp"
#include "live/rank_common/report_line.hpp"
#include "live/rank_common/shard_split.hpp"

namespace {

using clustersim::kernels::AttentionPartials;
using clustersim::kernels::DecodeShape;
namespace kernels = clustersim::kernels;

constexpr double kTolerance = 1e-4;  // the kernel's stated agreement with the reference

using Options = clustersim::live::RankOptions;

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "clustersim_live_cpu: error: %s\n", message.c_str());
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 2);
  std::exit(2);  // not reached: MPI_Abort ends every rank
}

/// A shard of the global cache: where it starts, how long it is, its K and V.
struct Shard {
  int origin = 0;  ///< the rank that generated it
  std::int64_t tokens = 0;
  std::vector<float> k, v;
};

class Step {
 public:
  Step(const Options& o, int rank, int ranks) : o_(o), rank_(rank), ranks_(ranks) {
    const clustersim::live::ShardSplit split = clustersim::live::split_context(o.shape.tokens, ranks);
    tokens_ = split.tokens;
    first_token_ = split.first_token;
    const std::vector<std::int64_t>& tokens = tokens_;
    const std::size_t capacity = key_elements(*std::max_element(tokens.begin(), tokens.end()));
    if (capacity > static_cast<std::size_t>(std::numeric_limits<int>::max()))
      fail("a shard of " + std::to_string(capacity) + " elements exceeds one MPI message's count; use more ranks");
    in_hand_.origin = rank;
    in_hand_.tokens = tokens[rank];
    in_hand_.k.resize(capacity);
    in_hand_.v.resize(capacity);
    kernels::fill_kv_shard(shard_shape(tokens[rank]), first_token_[rank], o.seed, in_hand_.k.data(), in_hand_.v.data());
    if (o.strategy == "ring" && ranks > 1) {
      incoming_.k.resize(capacity);
      incoming_.v.resize(capacity);
    }
    q_.resize(o.shape.query_elements());
    kernels::fill_uniform(q_.data(), q_.size(), o.seed, 1);
  }

  /// One decode step; leaves the output in output() on the ranks that end with one.
  void run() {
    // The query comes from the newest rank, as in the simulated plan (broadcast_query).
    if (ranks_ > 1) MPI_Bcast(q_.data(), static_cast<int>(q_.size()), MPI_FLOAT, ranks_ - 1, MPI_COMM_WORLD);
    if (o_.strategy == "ring") run_ring();
    else run_tree();
  }

  bool has_output() const { return o_.strategy != "ring" || o_.output_on_all || rank_ == ranks_ - 1; }
  std::vector<float>& output() { return output_; }
  const std::vector<float>& query() const { return q_; }

  /// Frees the cache before rank 0 regenerates the whole of it for the reference.
  void release_cache() {
    in_hand_ = Shard{};
    incoming_ = Shard{};
  }

 private:
  std::size_t key_elements(std::int64_t tokens) const { return shard_shape(tokens).key_elements(); }
  DecodeShape shard_shape(std::int64_t tokens) const {
    DecodeShape s = o_.shape;
    s.tokens = tokens;
    return s;
  }

  void run_tree() {
    AttentionPartials partials(o_.shape);
    kernels::decode_attention_partials(shard_shape(in_hand_.tokens), q_.data(), in_hand_.k.data(), in_hand_.v.data(),
                                       partials);
    if (ranks_ > 1) {
      std::vector<float> global_max(partials.max.size());
      MPI_Allreduce(partials.max.data(), global_max.data(), static_cast<int>(global_max.size()), MPI_FLOAT, MPI_MAX,
                    MPI_COMM_WORLD);
      kernels::rescale_partials(partials, global_max);
      if (o_.fuse_sums) {
        std::vector<float> sums(partials.numer);
        sums.insert(sums.end(), partials.denom.begin(), partials.denom.end());
        MPI_Allreduce(MPI_IN_PLACE, sums.data(), static_cast<int>(sums.size()), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        std::copy(sums.begin(), sums.begin() + partials.numer.size(), partials.numer.begin());
        std::copy(sums.begin() + partials.numer.size(), sums.end(), partials.denom.begin());
      } else {
        MPI_Allreduce(MPI_IN_PLACE, partials.numer.data(), static_cast<int>(partials.numer.size()), MPI_FLOAT, MPI_SUM,
                      MPI_COMM_WORLD);
        MPI_Allreduce(MPI_IN_PLACE, partials.denom.data(), static_cast<int>(partials.denom.size()), MPI_FLOAT, MPI_SUM,
                      MPI_COMM_WORLD);
      }
    }
    output_ = kernels::attention_output(partials, o_.shape.head_dim);
  }

  // Double buffering: hop h sends the shard in hand to the next rank and receives the following
  // one from the previous rank into the other buffer while attending to the shard in hand.
  void run_ring() {
    const bool attends = o_.output_on_all || rank_ == ranks_ - 1;
    const int next = (rank_ + 1) % ranks_, previous = (rank_ + ranks_ - 1) % ranks_;
    AttentionPartials total(o_.shape), part(o_.shape);
    for (int hop = 0; hop < ranks_; ++hop) {
      const bool rotate = hop + 1 < ranks_;
      MPI_Request requests[4];
      int pending = 0;
      const int incoming_origin = (in_hand_.origin + ranks_ - 1) % ranks_;
      if (rotate) {
        const int count = static_cast<int>(key_elements(tokens_[in_hand_.origin]));
        const int incoming = static_cast<int>(key_elements(tokens_[incoming_origin]));
        MPI_Isend(in_hand_.k.data(), count, MPI_FLOAT, next, 0, MPI_COMM_WORLD, &requests[pending++]);
        MPI_Isend(in_hand_.v.data(), count, MPI_FLOAT, next, 1, MPI_COMM_WORLD, &requests[pending++]);
        MPI_Irecv(incoming_.k.data(), incoming, MPI_FLOAT, previous, 0, MPI_COMM_WORLD, &requests[pending++]);
        MPI_Irecv(incoming_.v.data(), incoming, MPI_FLOAT, previous, 1, MPI_COMM_WORLD, &requests[pending++]);
      }
      if (attends) {
        kernels::decode_attention_partials(shard_shape(in_hand_.tokens), q_.data(), in_hand_.k.data(),
                                           in_hand_.v.data(), hop == 0 ? total : part);
        if (hop > 0) kernels::merge_partials(total, part);
      }
      if (!rotate) break;
      MPI_Waitall(pending, requests, MPI_STATUSES_IGNORE);
      incoming_.origin = incoming_origin;
      incoming_.tokens = tokens_[incoming_origin];
      std::swap(in_hand_, incoming_);
    }
    if (attends) output_ = kernels::attention_output(total, o_.shape.head_dim);
  }

  const Options& o_;
  int rank_, ranks_;
  std::vector<std::int64_t> tokens_, first_token_;
  Shard in_hand_, incoming_;
  std::vector<float> q_, output_;
};

/// Largest relative error of any rank's output against the reference over the whole cache
/// (computed on rank 0; the result is meaningful there only).
double check_outputs(const Options& o, Step& step, int rank, int ranks) {
  const int n = static_cast<int>(o.shape.query_elements());
  std::vector<float> mine = step.has_output() ? step.output() : std::vector<float>(n, std::nanf(""));
  if (o.corrupt_for_test && rank == ranks - 1) mine[0] += 0.5f;
  std::vector<float> all(rank == 0 ? static_cast<std::size_t>(n) * ranks : 0);
  MPI_Gather(mine.data(), n, MPI_FLOAT, all.data(), n, MPI_FLOAT, 0, MPI_COMM_WORLD);
  std::vector<int> has(ranks);
  int mine_has = step.has_output() ? 1 : 0;
  MPI_Gather(&mine_has, 1, MPI_INT, has.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  step.release_cache();
  MPI_Barrier(MPI_COMM_WORLD);  // every shard is freed before rank 0 allocates the whole cache
  if (rank != 0) return 0;
  DecodeShape whole = o.shape;
  std::vector<float> k(whole.key_elements()), v(whole.key_elements());
  kernels::fill_kv_shard(whole, 0, o.seed, k.data(), v.data());
  const std::vector<float> reference = kernels::reference_decode_attention(whole, step.query().data(), k.data(), v.data());
  double worst = 0;
  for (int r = 0; r < ranks; ++r) {
    if (!has[r]) continue;
    const std::vector<float> output(all.begin() + static_cast<std::ptrdiff_t>(r) * n,
                                    all.begin() + static_cast<std::ptrdiff_t>(r + 1) * n);
    const double error = kernels::max_relative_error(output, reference);
    worst = std::isnan(error) ? error : std::max(worst, error);
    if (std::isnan(worst)) break;
  }
  return worst;
}

/// Evicts this rank's share of the last-level cache, so that every timed step reads its K and V
/// from memory, as one layer's decode step does in a model whose other layers' caches pass
/// through in between (and as calibration measures the kernel). Outside the timed region.
class CacheEvictor {
 public:
  explicit CacheEvictor(int ranks) {
    const long cache = ::sysconf(_SC_LEVEL3_CACHE_SIZE);
    const std::size_t bytes = 2 * static_cast<std::size_t>(std::max(cache, 64l << 20)) / std::max(ranks, 1);
    scratch_.assign(bytes / sizeof(float), 1.0f);
  }
  void evict() {
    for (float& x : scratch_) x += 1.0f;
    volatile float sink = scratch_[scratch_.size() / 2];
    (void)sink;
  }

 private:
  std::vector<float> scratch_;
};

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  Options o;
  try {
    o = clustersim::live::parse_rank_options(argc, argv, clustersim::live::RankBackend::cpu);
  } catch (const std::invalid_argument& e) {
    fail(e.what());
  }
  if (o.strategy == "single" && ranks != 1) fail("strategy single runs on one rank, got " + std::to_string(ranks));
  if (o.shape.tokens < ranks) fail("a context of " + std::to_string(o.shape.tokens) + " tokens cannot be split over " +
                                   std::to_string(ranks) + " ranks");

  Step step(o, rank, ranks);
  CacheEvictor cache(ranks);
  std::vector<double> seconds;
  for (int i = 0; i < o.warmup + o.reps; ++i) {
    cache.evict();
    MPI_Barrier(MPI_COMM_WORLD);
    const double start = MPI_Wtime();
    step.run();
    const double mine = MPI_Wtime() - start;
    double slowest = 0;  // the step ends when its last rank ends
    MPI_Reduce(&mine, &slowest, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    if (i >= o.warmup) seconds.push_back(slowest);
  }
  const double error = check_outputs(o, step, rank, ranks);

  int status = 0;
  if (rank == 0) {
    const std::string line = clustersim::live::format_report_line(
        {.program = "clustersim_live_cpu", .strategy = o.strategy, .ranks = ranks,
         .context = static_cast<long long>(o.shape.tokens), .warmup = o.warmup, .max_relative_error = error,
         .tolerance = kTolerance, .rep_seconds = seconds});
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
    if (!(error <= kTolerance)) {
      std::fprintf(stderr,
                   "clustersim_live_cpu: error: output check failed: %s %d ranks context %lld: max relative error "
                   "%.3g against the double-precision reference exceeds the tolerance %g\n",
                   o.strategy.c_str(), ranks, static_cast<long long>(o.shape.tokens), error, kTolerance);
      std::fflush(stderr);
      status = 3;
    }
  }
  MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
  MPI_Finalize();
  return status;
}
