// SPDX-License-Identifier: Apache-2.0
// clustersim_live_cpu: one decode-attention step run for real, one MPI rank per device. Each
// rank generates its own contiguous shard of one global KV cache (the same cache whatever the
// rank count) and runs the strategy with MPI: tree = partials, then allreduces of the max, the
// numerators and the denominators; ring = p−1 rotations of the K/V shards, each overlapped with
// attention on the shard in hand. The step is timed as the slowest rank sees it, after warm-up,
// and every rank's output is checked against a double-precision reference over the whole cache.
// Rank 0 prints one JSON line on stdout; a failed check exits non-zero with the error on stderr.
// Before each step the ranks run its pieces alone, timed the same way (the kernel; for ring one
// rotation of the shards), and the line carries those times too. With --trace the line also carries every rank's
// timeline of the last timed step, its pieces named as the simulator names the task-graph ops they stand for. Links MPI
// and the kernels only, so it builds on nodes without the simulator's libraries.
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "kernels/cpu/decode_attention.hpp"
#include "programs/rank_common/rank_options.hpp"
#include "programs/rank_common/report_line.hpp"
#include "programs/rank_common/shard_split.hpp"

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

/// The pieces of this rank's step, timed from its start (after the barrier), when asked for.
class Recorder {
 public:
  explicit Recorder(bool enabled) : enabled_(enabled) {}
  void start_step() {
    slices_.clear();
    start_ = MPI_Wtime();
  }
  double now() const { return MPI_Wtime() - start_; }
  void add(std::string name, const char* kind, double begin, double bytes = 0) {
    if (enabled_)
      slices_.push_back({.name = std::move(name), .kind = kind, .start_s = begin, .end_s = now(), .bytes = bytes});
  }
  /// Every rank's slices, on rank 0 (collective).
  std::vector<clustersim::live::TimelineSlice> gather(int rank, int ranks) const {
    std::string mine;
    for (const auto& s : slices_) {
      char line[200];
      std::snprintf(line, sizeof line, "%s %s %.9g %.9g %.9g\n", s.name.c_str(), s.kind.c_str(), s.start_s, s.end_s,
                    s.bytes);
      mine += line;
    }
    int length = static_cast<int>(mine.size());
    std::vector<int> lengths(ranks), offsets(ranks);
    MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
    for (int r = 1; r < ranks; ++r) offsets[r] = offsets[r - 1] + lengths[r - 1];
    std::string all(rank == 0 ? static_cast<std::size_t>(offsets.back() + lengths.back()) : 0, '\0');
    MPI_Gatherv(mine.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR, 0, MPI_COMM_WORLD);
    std::vector<clustersim::live::TimelineSlice> timeline;
    for (int r = 0; r < ranks && rank == 0; ++r) {
      std::istringstream lines(all.substr(offsets[r], lengths[r]));
      clustersim::live::TimelineSlice s{.rank = r};
      while (lines >> s.name >> s.kind >> s.start_s >> s.end_s >> s.bytes) timeline.push_back(s);
    }
    return timeline;
  }

 private:
  bool enabled_;
  double start_ = 0;
  std::vector<clustersim::live::TimelineSlice> slices_;
};

/// A shard of the global cache: where it starts, how long it is, its K and V.
struct Shard {
  int origin = 0;  ///< the rank that generated it
  std::int64_t tokens = 0;
  std::vector<float> k, v;
};

class Step {
 public:
  Step(const Options& o, int rank, int ranks, Recorder& recorder)
      : o_(o), rank_(rank), ranks_(ranks), recorder_(recorder), alone_(o.shape) {
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
    if (o.step == clustersim::live::RankStep::ring && ranks > 1) {
      incoming_.k.resize(capacity);
      incoming_.v.resize(capacity);
    }
    q_.resize(o.shape.query_elements());
    kernels::fill_uniform(q_.data(), q_.size(), o.seed, 1);
  }

  /// One decode step; leaves the output in output() on the ranks that end with one.
  void run() {
    recorder_.start_step();
    // The query comes from the newest rank, as in the simulated plan (broadcast_query).
    if (ranks_ > 1) {
      const double begin = recorder_.now();
      MPI_Bcast(q_.data(), static_cast<int>(q_.size()), MPI_FLOAT, ranks_ - 1, MPI_COMM_WORLD);
      recorder_.add("broadcast_query", "collective", begin, 4.0 * q_.size());
    }
    if (o_.step == clustersim::live::RankStep::ring) run_ring();
    else run_tree();
  }

  /// The decode kernel alone on the shard in hand, as calibration times it; returns the shard's
  /// tokens.
  std::int64_t attend_alone() {
    kernels::decode_attention_partials(shard_shape(in_hand_.tokens), q_.data(), in_hand_.k.data(), in_hand_.v.data(),
                                       alone_);
    return in_hand_.tokens;
  }

  /// One rotation alone (ring on 2+ ranks), as a hop moves the shards and as calibration's
  /// exchange sweep times it: the shard in hand to the next rank, the previous rank's into the
  /// other buffer (which the step's first hop overwrites). Returns the bytes this rank sent.
  double rotate_alone() {
    MPI_Request requests[4];
    const double bytes = post_rotation(requests);
    MPI_Waitall(4, requests, MPI_STATUSES_IGNORE);
    return bytes;
  }
  bool rotates() const { return o_.step == clustersim::live::RankStep::ring && ranks_ > 1; }

  /// Each shard buffer receives once before anything is timed. The first message into a buffer
  /// runs far slower than the next ones (Open MPI's shared-memory transport touching its pages;
  /// the README gives the figures), and the steps alternate the buffers: without this the first
  /// two rotations after start-up, warm-up or not, time the transport's first touch, not the link.
  void prime_buffers() {
    if (!rotates()) return;
    for (int i = 0; i < 2; ++i) {
      rotate_alone();
      take_incoming();
    }
  }

  bool has_output() const {
    return o_.step != clustersim::live::RankStep::ring || o_.output_on_all || rank_ == ranks_ - 1;
  }
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

  // Single is the tree's arithmetic on one rank; the simulator names it one op, `attention`.
  void run_tree() {
    const bool single = ranks_ == 1;
    AttentionPartials partials(o_.shape);
    double begin = recorder_.now();
    kernels::decode_attention_partials(shard_shape(in_hand_.tokens), q_.data(), in_hand_.k.data(), in_hand_.v.data(),
                                       partials);
    if (!single) {
      recorder_.add("partial_attention", "compute", begin);
      std::vector<float> global_max(partials.max.size());
      allreduce("allreduce_max_lse", partials.max.data(), global_max.data(), global_max.size(), MPI_MAX);
      begin = recorder_.now();
      kernels::rescale_partials(partials, global_max);
      recorder_.add("rescale", "compute", begin);
      if (o_.fuse_sums) {
        std::vector<float> sums(partials.numer);
        sums.insert(sums.end(), partials.denom.begin(), partials.denom.end());
        allreduce("allreduce_num_den", MPI_IN_PLACE, sums.data(), sums.size(), MPI_SUM);
        std::copy(sums.begin(), sums.begin() + partials.numer.size(), partials.numer.begin());
        std::copy(sums.begin() + partials.numer.size(), sums.end(), partials.denom.begin());
      } else {
        allreduce("allreduce_numerator", MPI_IN_PLACE, partials.numer.data(), partials.numer.size(), MPI_SUM);
        allreduce("allreduce_denominator", MPI_IN_PLACE, partials.denom.data(), partials.denom.size(), MPI_SUM);
      }
      begin = recorder_.now();
    }
    output_ = kernels::attention_output(partials, o_.shape.head_dim);
    recorder_.add(single ? "attention" : "normalize", "compute", begin);
  }

  void allreduce(const char* name, const void* in, float* out, std::size_t count, MPI_Op op) {
    const double begin = recorder_.now();
    MPI_Allreduce(in, out, static_cast<int>(count), MPI_FLOAT, op, MPI_COMM_WORLD);
    recorder_.add(name, "collective", begin, 4.0 * count);
  }

  /// Posts one hop's four messages: K and V of the shard in hand to the next rank, the previous
  /// rank's into the other buffer. Returns the bytes sent.
  double post_rotation(MPI_Request requests[4]) {
    const int next = (rank_ + 1) % ranks_, previous = (rank_ + ranks_ - 1) % ranks_;
    const int count = static_cast<int>(key_elements(tokens_[in_hand_.origin]));
    const int incoming = static_cast<int>(key_elements(tokens_[(in_hand_.origin + ranks_ - 1) % ranks_]));
    MPI_Isend(in_hand_.k.data(), count, MPI_FLOAT, next, 0, MPI_COMM_WORLD, &requests[0]);
    MPI_Isend(in_hand_.v.data(), count, MPI_FLOAT, next, 1, MPI_COMM_WORLD, &requests[1]);
    MPI_Irecv(incoming_.k.data(), incoming, MPI_FLOAT, previous, 0, MPI_COMM_WORLD, &requests[2]);
    MPI_Irecv(incoming_.v.data(), incoming, MPI_FLOAT, previous, 1, MPI_COMM_WORLD, &requests[3]);
    return 2.0 * sizeof(float) * count;
  }

  // Double buffering: hop h sends the shard in hand to the next rank and receives the following
  // one from the previous rank into the other buffer while attending to the shard in hand.
  void run_ring() {
    const bool attends = o_.output_on_all || rank_ == ranks_ - 1;
    AttentionPartials total(o_.shape), part(o_.shape);
    for (int hop = 0; hop < ranks_; ++hop) {
      const bool rotate = hop + 1 < ranks_;
      MPI_Request requests[4];
      const double posted = recorder_.now();
      const double shard_bytes = rotate ? post_rotation(requests) : 0;
      if (attends) {
        const double begin = recorder_.now();
        kernels::decode_attention_partials(shard_shape(in_hand_.tokens), q_.data(), in_hand_.k.data(),
                                           in_hand_.v.data(), hop == 0 ? total : part);
        if (hop > 0) kernels::merge_partials(total, part);
        if (hop + 1 == ranks_) output_ = kernels::attention_output(total, o_.shape.head_dim);
        recorder_.add("attend_chunk_" + std::to_string(hop), "compute", begin);
      }
      if (!rotate) break;
      MPI_Waitall(4, requests, MPI_STATUSES_IGNORE);
      // Posted before the attention, done here: the whole time the messages were outstanding.
      recorder_.add("kv_hop_" + std::to_string(hop), "send", posted, shard_bytes);
      recorder_.add("kv_hop_" + std::to_string(hop), "recv", posted, shard_bytes);
      take_incoming();
    }
  }

  /// The shard just received becomes the one in hand; the other buffer takes the next.
  void take_incoming() {
    incoming_.origin = (in_hand_.origin + ranks_ - 1) % ranks_;
    incoming_.tokens = tokens_[incoming_.origin];
    std::swap(in_hand_, incoming_);
  }

  const Options& o_;
  int rank_, ranks_;
  Recorder& recorder_;
  std::vector<std::int64_t> tokens_, first_token_;
  Shard in_hand_, incoming_;
  std::vector<float> q_, output_;
  AttentionPartials alone_;
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
  const std::vector<float> reference =
      kernels::reference_decode_attention(whole, step.query().data(), k.data(), v.data());
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
  } catch (const std::invalid_argument& e) { fail(e.what()); }
  if (o.step == clustersim::live::RankStep::single && ranks != 1)
    fail("strategy single runs on one rank, got " + std::to_string(ranks));
  if (o.shape.tokens < ranks)
    fail("a context of " + std::to_string(o.shape.tokens) + " tokens cannot be split over " + std::to_string(ranks) +
         " ranks");

  Recorder recorder(o.trace);
  Step step(o, rank, ranks, recorder);
  CacheEvictor cache(ranks);
  std::vector<double> seconds, kernel_seconds, rotation_seconds;
  long long kernel_tokens = 0;
  double rotation_bytes = 0;
  // Each step is preceded by its pieces alone, every rank at once, as calibration times them: the
  // kernel from cold caches and, for ring, one rotation of the shard the kernel has just read, as
  // a hop sends it (a shard that fits in the last-level cache then leaves from there). They are
  // the machine's memory and links in the same seconds as the step, which drift by tens of
  // percent from one minute to the next on a shared host. Each ends at the slowest rank.
  const auto slowest = [&](auto&& part, bool cold) {
    if (cold) cache.evict();
    MPI_Barrier(MPI_COMM_WORLD);
    const double start = MPI_Wtime();
    part();
    const double mine = MPI_Wtime() - start;
    double last = 0;
    MPI_Reduce(&mine, &last, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    return last;
  };
  step.prime_buffers();
  for (int i = 0; i < o.warmup + o.reps; ++i) {
    long long tokens = 0;
    const double kernel = slowest([&] { tokens = step.attend_alone(); }, true);
    MPI_Allreduce(MPI_IN_PLACE, &tokens, 1, MPI_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
    double bytes = 0;
    const double rotation = step.rotates() ? slowest([&] { bytes = step.rotate_alone(); }, false) : 0;
    MPI_Allreduce(MPI_IN_PLACE, &bytes, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    const double whole = slowest([&] { step.run(); }, true);
    if (i < o.warmup) continue;
    seconds.push_back(whole);
    kernel_seconds.push_back(kernel);
    kernel_tokens = tokens;
    if (step.rotates()) {
      rotation_seconds.push_back(rotation);
      rotation_bytes = bytes;
    }
  }
  // The last timed step's pieces: gathered before the check frees the caches.
  const std::vector<clustersim::live::TimelineSlice> timeline =
      o.trace ? recorder.gather(rank, ranks) : std::vector<clustersim::live::TimelineSlice>{};
  const double error = check_outputs(o, step, rank, ranks);

  int status = 0;
  if (rank == 0) {
    const std::string line = clustersim::live::format_report_line({.program = "clustersim_live_cpu",
                                                                   .strategy = to_string(o.step),
                                                                   .ranks = ranks,
                                                                   .context = static_cast<long long>(o.shape.tokens),
                                                                   .warmup = o.warmup,
                                                                   .max_relative_error = error,
                                                                   .tolerance = kTolerance,
                                                                   .rep_seconds = seconds,
                                                                   .kernel_seconds = kernel_seconds,
                                                                   .kernel_tokens = kernel_tokens,
                                                                   .rotation_seconds = rotation_seconds,
                                                                   .rotation_bytes = rotation_bytes,
                                                                   .timeline = timeline});
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
    if (!(error <= kTolerance)) {
      std::fprintf(stderr,
                   "clustersim_live_cpu: error: output check failed: %s %d ranks context %lld: max relative error "
                   "%.3g against the double-precision reference exceeds the tolerance %g\n",
                   to_string(o.step), ranks, static_cast<long long>(o.shape.tokens), error, kTolerance);
      std::fflush(stderr);
      status = 3;
    }
  }
  MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
  MPI_Finalize();
  return status;
}
