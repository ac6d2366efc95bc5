// SPDX-License-Identifier: Apache-2.0
// Library mpi: Open MPI 4.1's allreduce decision, and its schedules run as flows with no NCCL
// latencies, so that their times are exact closed forms in the route latency α and bandwidth B.
#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>

#include "sim/collectives/mpi_model.hpp"
#include "sim/simulate.hpp"
#include "support/fixtures.hpp"

using namespace clustersim;
using Catch::Matchers::WithinRel;

namespace {

constexpr sim::CollectiveSettings kMpi{.library = sim::Library::mpi};

sim::SimulationResult run_allreduce(const topo::Topology& t, double bytes) {
  static const auto device = testing::round_device();
  model::TaskGraph g;
  std::vector<int> ranks(t.devices().size());
  std::iota(ranks.begin(), ranks.end(), 0);
  g.allreduce("allreduce", ranks, bytes, model::ReduceOp::sum);
  return sim::simulate(g, {.topology = &t, .gpu_of_rank = t.devices(), .device = &device, .collectives = kMpi});
}

}  // namespace

TEST_CASE("sim: library mpi picks Open MPI 4.1's fixed allreduce decision for commutative ops", "[sim][mpi]") {
  using sim::Algorithm;
  // p < 4: RD below 4 KiB, ring in [4 KiB, 8 KiB), RD in [8 KiB, 16 KiB), ring (and segmented
  // ring, which runs as the ring) up to 256 KiB, Rabenseifner above.
  CHECK(sim::mpi_allreduce_algorithm(2, 64) == Algorithm::recursive_doubling);
  CHECK(sim::mpi_allreduce_algorithm(2, 4096) == Algorithm::ring);
  CHECK(sim::mpi_allreduce_algorithm(2, 8192) == Algorithm::recursive_doubling);
  CHECK(sim::mpi_allreduce_algorithm(3, 100000) == Algorithm::ring);
  CHECK(sim::mpi_allreduce_algorithm(2, 262144) == Algorithm::rabenseifner);
  // 4 <= p < 8: ring below 16 B, but 2 floats on 4 ranks is a count below p: recursive doubling.
  CHECK(sim::mpi_allreduce_algorithm(4, 8) == Algorithm::recursive_doubling);
  CHECK(sim::mpi_allreduce_algorithm(4, 8191) == Algorithm::recursive_doubling);
  CHECK(sim::mpi_allreduce_algorithm(4, 8192) == Algorithm::rabenseifner);
  CHECK(sim::mpi_allreduce_algorithm(8, 4096) == Algorithm::recursive_doubling);
  CHECK(sim::mpi_allreduce_algorithm(8, 1 << 20) == Algorithm::rabenseifner);
  // 32 <= p < 64: segmented ring below 128 B, where 25 floats on 40 ranks is a count below p.
  CHECK(sim::mpi_allreduce_algorithm(40, 100) == Algorithm::recursive_doubling);
  CHECK(sim::mpi_allreduce_algorithm(40, 128) == Algorithm::rabenseifner);
  CHECK(sim::mpi_allreduce_algorithm(200, 1000) == Algorithm::ring);  // nonoverlapping falls back to ring
}

TEST_CASE("sim: mpi recursive doubling costs log2(p)·(α + S/B) on a star", "[sim][mpi][physics]") {
  // System: p ranks on one switch, 10 GB/s per direction, 1 us per edge: α = 2 us per route.
  // Expectation: log2 p exchanges of the whole vector; each uses every edge direction once, so
  // nothing is shared; no launch or protocol latency under library mpi.
  const int p = GENERATE(2, 4);
  const double bytes = 4000, bandwidth = 10e9, alpha = 2e-6;
  const auto topology = testing::star(p, bandwidth, 1e-6);
  const auto r = run_allreduce(topology, bytes);
  REQUIRE(r.collectives.size() == 1);
  CHECK(r.collectives[0].algorithm == "recursive_doubling");
  CHECK(r.collectives[0].protocol == "none");
  const double rounds = std::log2(p);
  CHECK_THAT(r.latency_s, WithinRel(rounds * (alpha + bytes / bandwidth), 1e-9));
  CHECK_THAT(r.collectives[0].estimate_s, WithinRel(rounds * (alpha + bytes / bandwidth), 1e-12));
  for (const auto& d : r.devices) CHECK(d.bytes_sent == rounds * bytes);
}

TEST_CASE("sim: mpi recursive doubling on 3 ranks folds rank 0 into rank 1: 3·(α + S/B)", "[sim][mpi][physics]") {
  // 0 -> 1 (whole vector), 1 <-> 2, 1 -> 0: three messages on the critical path.
  const double bytes = 1000, bandwidth = 10e9, alpha = 2e-6;
  const auto r = run_allreduce(testing::star(3, bandwidth, 1e-6), bytes);
  CHECK(r.collectives[0].algorithm == "recursive_doubling");
  CHECK_THAT(r.latency_s, WithinRel(3 * (alpha + bytes / bandwidth), 1e-9));
  CHECK(r.devices[0].bytes_sent == bytes);
  CHECK(r.devices[1].bytes_sent == 2 * bytes);
  CHECK(r.devices[2].bytes_sent == bytes);
}

TEST_CASE("sim: mpi Rabenseifner costs 2·log2(p)·α + 2(p-1)/p·S/B on a star", "[sim][mpi][physics]") {
  // p = 4, 1 MiB: reduce-scatter by halving (S/2, S/4), allgather by doubling (S/4, S/2).
  const double bytes = 1 << 20, bandwidth = 10e9, alpha = 2e-6;
  const auto r = run_allreduce(testing::star(4, bandwidth, 1e-6), bytes);
  CHECK(r.collectives[0].algorithm == "rabenseifner");
  CHECK_THAT(r.latency_s, WithinRel(4 * alpha + 1.5 * bytes / bandwidth, 1e-9));
  for (const auto& d : r.devices) CHECK(d.bytes_sent == 1.5 * bytes);
}

TEST_CASE("sim: mpi Rabenseifner on 3 ranks: 5α + 3S/B", "[sim][mpi][physics]") {
  // Rank 0 and 1 swap halves (S/2), 1 returns its half (S/2); 0 and 2 halve and double (S/2
  // each way twice); 0 sends the result to 1 (S).
  const double bytes = 1 << 20, bandwidth = 10e9, alpha = 2e-6;
  const auto r = run_allreduce(testing::star(3, bandwidth, 1e-6), bytes);
  CHECK(r.collectives[0].algorithm == "rabenseifner");
  CHECK_THAT(r.latency_s, WithinRel(5 * alpha + 3 * bytes / bandwidth, 1e-9));
  CHECK_THAT(r.collectives[0].estimate_s, WithinRel(5 * alpha + 3 * bytes / bandwidth, 1e-12));
}

TEST_CASE("sim: an mpi message costs route latency + bytes / bandwidth, nothing more", "[sim][mpi][physics]") {
  const double bytes = GENERATE(8.0, 1e6);
  const auto topology = testing::star(2, 10e9, 1e-6);
  const auto device = testing::round_device();
  model::TaskGraph g;
  g.send("message", 0, 1, bytes);
  const auto r = sim::simulate(
      g, {.topology = &topology, .gpu_of_rank = topology.devices(), .device = &device, .collectives = kMpi});
  CHECK_THAT(r.latency_s, WithinRel(2e-6 + bytes / 10e9, 1e-9));
}

namespace {

/// `t` with every edge's both-ways latency (a message each way at once) set to `both_ways_s`.
topo::Topology with_both_ways_latency(const topo::Topology& t, double both_ways_s) {
  std::vector<topo::Edge> edges = t.edges();
  for (topo::Edge& e : edges) e.both_ways_latency_s = both_ways_s;
  return topo::Topology(t.name(), t.vertices(), std::move(edges), t.gpu_peer_to_peer(), t.origin());
}

}  // namespace

TEST_CASE("sim: an mpi step that swaps data with one peer pays the both-ways latency, others the latency",
          "[sim][mpi][physics]") {
  // Star, 10 GB/s, 1 us per edge one way and 3 us per edge for a message each way at once: a
  // route's α = 2 us, its both-ways α' = 6 us (over TCP the measured α' is about 2α).
  const double bandwidth = 10e9, alpha = 2e-6, both = 6e-6;
  SECTION("recursive doubling: log2(p) exchanges, each α' + S/B") {
    const int p = GENERATE(2, 4);
    const double bytes = 4000;
    const auto r = run_allreduce(with_both_ways_latency(testing::star(p, bandwidth, 1e-6), 3e-6), bytes);
    CHECK(r.collectives[0].algorithm == "recursive_doubling");
    CHECK_THAT(r.latency_s, WithinRel(std::log2(p) * (both + bytes / bandwidth), 1e-9));
    CHECK_THAT(r.collectives[0].estimate_s, WithinRel(std::log2(p) * (both + bytes / bandwidth), 1e-12));
  }
  SECTION("recursive doubling on 3 ranks: the fold in and out are one-way messages") {
    const double bytes = 1000;
    const auto r = run_allreduce(with_both_ways_latency(testing::star(3, bandwidth, 1e-6), 3e-6), bytes);
    CHECK_THAT(r.latency_s, WithinRel(2 * (alpha + bytes / bandwidth) + both + bytes / bandwidth, 1e-9));
  }
  SECTION("a two-rank ring swaps halves: 2·(α' + S/2/B)") {
    const double bytes = 4096;
    const auto r = run_allreduce(with_both_ways_latency(testing::star(2, bandwidth, 1e-6), 3e-6), bytes);
    CHECK(r.collectives[0].algorithm == "ring");
    CHECK_THAT(r.latency_s, WithinRel(2 * (both + bytes / 2 / bandwidth), 1e-9));
    CHECK_THAT(r.collectives[0].estimate_s, WithinRel(2 * (both + bytes / 2 / bandwidth), 1e-12));
  }
  SECTION("a three-rank ring sends to one neighbour and receives from the other: 4·(α + S/3/B)") {
    const double bytes = 120000;
    const auto r = run_allreduce(with_both_ways_latency(testing::star(3, bandwidth, 1e-6), 3e-6), bytes);
    CHECK(r.collectives[0].algorithm == "ring");
    CHECK_THAT(r.latency_s, WithinRel(4 * (alpha + bytes / 3 / bandwidth), 1e-9));
  }
  SECTION("a message alone pays the one-way latency") {
    const auto topology = with_both_ways_latency(testing::star(2, bandwidth, 1e-6), 3e-6);
    const auto device = testing::round_device();
    model::TaskGraph g;
    g.send("message", 0, 1, 8);
    const auto r = sim::simulate(
        g, {.topology = &topology, .gpu_of_rank = topology.devices(), .device = &device, .collectives = kMpi});
    CHECK_THAT(r.latency_s, WithinRel(alpha + 8 / bandwidth, 1e-9));
  }
}

namespace {

/// Rank r of 2: a kernel of `kernel_s`, then a ring hop of `bytes` posted behind it (as the live
/// ring posts MPI_Isend/Irecv before attending), then a 2 us kernel after the hop, and after the
/// first kernel too when `wait_for_kernel` (the ring's next attention needs both).
sim::SimulationResult run_hop_behind_kernel(const topo::Topology& t, double bytes, double kernel_s,
                                            bool wait_for_kernel) {
  static const auto device = testing::round_device();
  model::TaskGraph g;
  // round_device: a kernel costs 2 us launch + bytes / 1 TB/s.
  const model::KernelCost attend{.hbm_bytes = (kernel_s - 2e-6) * 1e12};
  const model::OpId work = g.compute_each("attend", {0, 1}, {attend, attend});
  const model::OpId hop = g.shift("hop", {0, 1}, bytes);
  g.compute_each("next", {0, 1}, {{}, {}}, wait_for_kernel ? model::after(hop, work) : model::after(hop));
  return sim::simulate(g, {.topology = &t, .gpu_of_rank = t.devices(), .device = &device, .collectives = kMpi});
}

}  // namespace

TEST_CASE("sim: an mpi message above the eager limit moves only once both ranks wait for it", "[sim][mpi][physics]") {
  // Open MPI has no progress thread: a rendezvous message posted before a kernel moves in the
  // MPI_Wait after it, so the hop no longer hides behind the kernel: K + (α + S/B) + 2 us.
  // At or below the eager limit (4096 B in one node, 65536 B across nodes) it moves at once,
  // overlapped: max(K, α + S/B) + 2 us. Route: two 1 us edges, α = 2 us; 10 GB/s.
  const double kernel = 100e-6, alpha = 2e-6, bandwidth = 10e9, after = 2e-6;
  const auto one_node = testing::star(2, bandwidth, 1e-6);
  const auto two_nodes = testing::star(2, bandwidth, 1e-6, topo::LinkClass::infiniband, 1);
  const auto serial = [&](double bytes) { return kernel + alpha + bytes / bandwidth + after; };
  const auto overlapped = [&](double bytes) { return std::max(kernel, alpha + bytes / bandwidth) + after; };

  CHECK_THAT(run_hop_behind_kernel(one_node, 4096, kernel, true).latency_s, WithinRel(overlapped(4096), 1e-9));
  CHECK_THAT(run_hop_behind_kernel(one_node, 4097, kernel, true).latency_s, WithinRel(serial(4097), 1e-9));
  CHECK_THAT(run_hop_behind_kernel(two_nodes, 65536, kernel, true).latency_s, WithinRel(overlapped(65536), 1e-9));
  CHECK_THAT(run_hop_behind_kernel(two_nodes, 65537, kernel, true).latency_s, WithinRel(serial(65537), 1e-9));
  // A transfer longer than the kernel: serial all the same.
  CHECK_THAT(run_hop_behind_kernel(one_node, 4e6, kernel, true).latency_s, WithinRel(serial(4e6), 1e-9));
}

TEST_CASE("sim: a CPU rank enters MPI only after the kernels it runs itself", "[sim][mpi][physics]") {
  // The op after the hop waits for the hop alone. A GPU rank's host thread waits at once, so the
  // rendezvous moves while the kernel runs: max(K, α + S/B) + 2 us. A CPU rank's thread is the
  // one running the kernel, so it reaches MPI_Wait after it: K + (α + S/B) + 2 us.
  const double kernel = 100e-6, alpha = 2e-6, bandwidth = 10e9, after = 2e-6, bytes = 4e5;
  const auto gpus = testing::star(2, bandwidth, 1e-6);
  const auto cpu_ranks =
      testing::star(2, bandwidth, 1e-6, topo::LinkClass::shared_memory, 0, topo::VertexKind::cpu_rank);
  CHECK_THAT(run_hop_behind_kernel(gpus, bytes, kernel, false).latency_s,
             WithinRel(std::max(kernel, alpha + bytes / bandwidth) + after, 1e-9));
  CHECK_THAT(run_hop_behind_kernel(cpu_ranks, bytes, kernel, false).latency_s,
             WithinRel(kernel + alpha + bytes / bandwidth + after, 1e-9));
}
