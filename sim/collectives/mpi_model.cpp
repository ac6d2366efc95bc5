// SPDX-License-Identifier: Apache-2.0
// Open MPI 4.1's allreduce decision (ompi/mca/coll/tuned/coll_tuned_decision_fixed.c,
// ompi_coll_tuned_allreduce_intra_dec_fixed, tables generated in 2020 from the
// ompi-collectives-tuning results; branch v4.1.x). Its algorithm numbers: 1 basic linear,
// 2 nonoverlapping (reduce + bcast), 3 recursive doubling, 4 ring, 5 segmented ring,
// 6 Rabenseifner (reduce-scatter by recursive halving + allgather by recursive doubling).
//
// Implemented: every row of the commutative table (the ops here are MAX and SUM), by
// communicator size p and total bytes S:
//   p < 4:     S < 8 ring, < 4096 RD, < 8192 ring, < 16384 RD, < 65536 ring, < 262144 seg. ring, else Rab.
//   p < 8:     S < 16 ring, < 8192 RD, else Rab.
//   p < 16:    S < 8192 RD, else Rab.
//   p < 32:    S < 64 seg. ring, < 4096 RD, else Rab.
//   p < 64:    S < 128 seg. ring, else Rab.
//   p < 128:   S < 262144 RD, else Rab.
//   p < 256:   S < 131072 nonoverlapping, < 262144 RD, else Rab.
//   p < 512:   S < 4096 nonoverlapping, else Rab.
//   p < 2048:  S < 2048 nonoverlapping, < 16384 RD, else Rab.
//   p < 4096:  S < 2048 nonoverlapping, < 4096 seg. ring, < 16384 RD, else Rab.
//   else:      S < 2048 nonoverlapping, < 16384 seg. ring, < 32768 RD, else Rab.
// What runs instead, and why:
//   - segmented ring is the plain ring: the fixed decision passes segment size 0, so the
//     segment count is the whole count and Open MPI's ring_segmented switches to the ring;
//   - the ring switches to recursive doubling when the count is below p (base allreduce ring);
//   - Rabenseifner switches to basic linear when the count is below the largest power of two
//     <= p; the table picks it only from 8 KiB, so that never happens for p <= 2048 with 4-byte
//     elements, and we fall back to the ring there;
//   - nonoverlapping (reduce then bcast, p >= 128 only) falls back to the ring.
// Counts assume 4-byte elements (MPI_FLOAT), the partials' type in the CPU suites.
// Not modelled: the local reduction's own time (ompi_op_reduce over the received bytes); we
// found no source for its rate on a given CPU, so a step costs its messages only.
#include "sim/collectives/mpi_model.hpp"

#include <cmath>

#include "sim/collectives/nccl_model.hpp"

namespace clustersim::sim {
namespace {

constexpr double kElementBytes = 4;

enum class Row { ring, recursive_doubling, rabenseifner, nonoverlapping };

/// The table's entry for (p, S); segmented ring is reported as ring (see above).
Row decision_row(int p, double s) {
  if (p < 4) {
    if (s < 8) return Row::ring;
    if (s < 4096) return Row::recursive_doubling;
    if (s < 8192) return Row::ring;
    if (s < 16384) return Row::recursive_doubling;
    if (s < 262144) return Row::ring;  // < 65536 ring, < 262144 segmented ring
    return Row::rabenseifner;
  }
  if (p < 8) return s < 16 ? Row::ring : s < 8192 ? Row::recursive_doubling : Row::rabenseifner;
  if (p < 16) return s < 8192 ? Row::recursive_doubling : Row::rabenseifner;
  if (p < 32) return s < 64 ? Row::ring : s < 4096 ? Row::recursive_doubling : Row::rabenseifner;
  if (p < 64) return s < 128 ? Row::ring : Row::rabenseifner;
  if (p < 128) return s < 262144 ? Row::recursive_doubling : Row::rabenseifner;
  if (p < 256) return s < 131072 ? Row::nonoverlapping : s < 262144 ? Row::recursive_doubling : Row::rabenseifner;
  if (p < 512) return s < 4096 ? Row::nonoverlapping : Row::rabenseifner;
  if (p < 2048) return s < 2048 ? Row::nonoverlapping : s < 16384 ? Row::recursive_doubling : Row::rabenseifner;
  if (p < 4096)
    return s < 2048    ? Row::nonoverlapping
           : s < 4096  ? Row::ring
           : s < 16384 ? Row::recursive_doubling
                       : Row::rabenseifner;
  return s < 2048    ? Row::nonoverlapping
         : s < 16384 ? Row::ring
         : s < 32768 ? Row::recursive_doubling
                     : Row::rabenseifner;
}

int floor_power_of_two(int p) {
  int q = 1;
  while (q * 2 <= p) q *= 2;
  return q;
}

}  // namespace

double mpi_eager_limit_bytes(bool same_node) { return same_node ? 4096 : 65536; }

Algorithm mpi_allreduce_algorithm(int ranks, double bytes) {
  const double count = bytes / kElementBytes;
  switch (decision_row(ranks, bytes)) {
    case Row::recursive_doubling: return Algorithm::recursive_doubling;
    case Row::rabenseifner: return count < floor_power_of_two(ranks) ? Algorithm::ring : Algorithm::rabenseifner;
    case Row::ring: return count < ranks ? Algorithm::recursive_doubling : Algorithm::ring;
    case Row::nonoverlapping: return Algorithm::ring;
  }
  return Algorithm::ring;
}

double mpi_estimate_s(model::CollectiveKind kind, Algorithm algorithm, double bytes, const GroupFabric& fabric) {
  using model::CollectiveKind;
  const int p = fabric.size;
  if (p <= 1) return 0;
  const double alpha = fabric.route_latency_s, beta = fabric.ring_Bps;
  auto message = [&](double payload) { return alpha + payload / beta; };
  // Rounds that swap data with one peer (recursive doubling and halving, a two-rank ring) send a
  // message each way at once, which pays the route's both-ways latency.
  const double exchange_alpha = fabric.route_both_ways_latency_s;
  auto exchange = [&](double payload) { return exchange_alpha + payload / beta; };
  auto ring_step = [&](double payload) { return p == 2 ? exchange(payload) : message(payload); };
  const int q = floor_power_of_two(p);
  const int rounds = static_cast<int>(std::lround(std::log2(q)));
  const bool folded = q != p;  // ranks beyond the power of two are folded in and out
  switch (kind) {
    case CollectiveKind::allreduce:
      if (algorithm == Algorithm::recursive_doubling)
        return rounds * exchange(bytes) + (folded ? 2 : 0) * message(bytes);
      if (algorithm == Algorithm::rabenseifner)
        return 2 * rounds * exchange_alpha + 2.0 * (q - 1) / q * bytes / beta +
               (folded ? 2 * message(bytes / 2) + message(bytes) : 0.0);
      return 2 * (p - 1) * ring_step(bytes / p);
    case CollectiveKind::allgather:
    case CollectiveKind::reduce_scatter: return (p - 1) * ring_step(bytes / p);
    case CollectiveKind::broadcast:
    case CollectiveKind::reduce: return (p - 1) * alpha + bytes / beta;
  }
  return 0;
}

}  // namespace clustersim::sim
