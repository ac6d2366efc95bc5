// SPDX-License-Identifier: Apache-2.0
// Collectives run as real flows: closed forms on uncontended fabrics, byte conservation, and the
// NCCL-like choice of protocol by message size.
#include <catch2/catch.hpp>

#include <numeric>
#include <set>
#include <tuple>

#include "sim/collectives/nccl_model.hpp"
#include "sim/collectives/schedule.hpp"
#include "sim/simulate.hpp"
#include "support/fixtures.hpp"

using namespace clustersim;

namespace {

std::vector<int> first_ranks(int n) {
  std::vector<int> r(n);
  std::iota(r.begin(), r.end(), 0);
  return r;
}

sim::SimulationResult run_allreduce(const topo::Topology& t, double bytes, sim::CollectiveSettings settings) {
  static const auto device = testing::round_device();
  model::TaskGraph g;
  g.allreduce("allreduce", first_ranks(static_cast<int>(t.devices().size())), bytes, model::ReduceOp::sum);
  return sim::simulate(g, {.topology = &t, .gpu_of_rank = t.devices(), .device = &device, .collectives = settings});
}

double total_sent(const sim::SimulationResult& r) {
  double total = 0;
  for (const auto& d : r.devices) total += d.bytes_sent;
  return total;
}

}  // namespace

TEST_CASE("sim: ring allreduce on an uncontended ring costs 2(p-1)/p*S/B + 2(p-1)*alpha",
          "[sim][collectives][physics]") {
  // System: p GPUs around one switch, 50 GB/s per direction, 0.5 us per edge; ring/Simple forced.
  // Expectations: the launch (baseLat 8.4 us) once, then 2(p-1) steps each costing
  // alpha = max(hwLat 3.4 us, route latency 1 us) plus S/p at B; no link is shared because
  // each step uses every GPU's up and down direction once.
  const int p = GENERATE(2, 4, 8);
  const double bytes = 64e6, bandwidth = 50e9, alpha = 3.4e-6;
  const auto topology = testing::star(p, bandwidth, 0.5e-6);
  const auto r = run_allreduce(topology, bytes, {sim::Algorithm::ring, sim::Protocol::simple});
  const double expected = 8.4e-6 + 2.0 * (p - 1) * alpha + 2.0 * (p - 1) / p * bytes / bandwidth;
  CHECK_THAT(r.latency_s, Catch::Matchers::WithinRel(expected, 1e-9));
  AND_THEN("every rank sends 2(p-1)/p of the buffer, the busbw factor of nccl-tests") {
    for (const auto& d : r.devices)
      CHECK_THAT(d.bytes_sent, Catch::Matchers::WithinRel(2.0 * (p - 1) / p * bytes, 1e-12));
  }
}

TEST_CASE("sim: ring and double-binary-tree allreduce move the same total bytes", "[sim][collectives][physics]") {
  // System: 8 GPUs on a star. Expectations: a ring sends p·2(p-1)/p·S = 2(p-1)·S in total; each
  // of the two trees carries S/2 up and down its p-1 edges, 2·2(p-1)·S/2 = 2(p-1)·S as well.
  const auto topology = testing::star(8, 50e9, 0.5e-6);
  const double bytes = 8e6;
  const auto ring = run_allreduce(topology, bytes, {sim::Algorithm::ring, sim::Protocol::simple});
  const auto tree = run_allreduce(topology, bytes, {sim::Algorithm::tree, sim::Protocol::simple});
  CHECK_THAT(total_sent(ring), Catch::Matchers::WithinRel(2.0 * 7 * bytes, 1e-12));
  CHECK_THAT(total_sent(tree), Catch::Matchers::WithinRel(2.0 * 7 * bytes, 1e-12));
  CHECK(tree.collectives.at(0).algorithm == "tree");
}

TEST_CASE("sim: hierarchical allreduce sends 2(m-1)/m of S/k across nodes per rank", "[sim][collectives][physics]") {
  // System: 2 nodes x 4 GPUs (k = 4, m = 2) on one star. Expectation per rank:
  // reduce-scatter 3·S/4 + allreduce across nodes 2·(1/2)·S/4 + allgather 3·S/4.
  const auto topology = testing::star(8, 50e9, 0.5e-6, topo::LinkClass::nvlink, 4);
  const double bytes = 8e6;
  const auto r = run_allreduce(topology, bytes, {sim::Algorithm::hierarchical, sim::Protocol::simple});
  for (const auto& d : r.devices)
    CHECK_THAT(d.bytes_sent, Catch::Matchers::WithinRel(3 * bytes / 4 + bytes / 4 + 3 * bytes / 4, 1e-12));
}

TEST_CASE("sim: broadcast and reduce chains deliver the buffer once per hop", "[sim][collectives][physics]") {
  // System: 4 GPUs; a pipelined chain from the root. Expectation: every rank but the chain's
  // end sends the whole buffer exactly once.
  const auto topology = testing::star(4, 50e9, 0.5e-6);
  const auto device = testing::round_device();
  model::TaskGraph g;
  g.broadcast("broadcast", first_ranks(4), 3, 10e6);
  const auto r = sim::simulate(g, {.topology = &topology, .gpu_of_rank = topology.devices(), .device = &device});
  CHECK(r.devices[3].bytes_sent == 10e6);  // the root
  CHECK(r.devices[2].bytes_sent == 0);     // the end of the chain 3 -> 0 -> 1 -> 2
  CHECK_THAT(total_sent(r), Catch::Matchers::WithinRel(3 * 10e6, 1e-12));
}

TEST_CASE("sim: a 16 KB allreduce is latency-bound and picks LL; a 1 GB one is bandwidth-bound", "[sim][collectives]") {
  // System: one 8-GPU NVLink node at 450 GB/s. Expectations: at 16 KB the wire time (~0.06 us)
  // is dwarfed by launch + hop latencies, so the tuner picks LL and the time barely differs
  // from a 16-byte allreduce; at 1 GB doubling the size doubles the time.
  const auto topology = testing::star(8, 450e9, 0.5e-6);
  const auto small = run_allreduce(topology, 16e3, {});
  const auto tiny = run_allreduce(topology, 16, {});
  CHECK(small.collectives.at(0).protocol == "LL");
  CHECK(small.latency_s < 1.2 * tiny.latency_s);
  const auto large = run_allreduce(topology, 1e9, {});
  const auto larger = run_allreduce(topology, 2e9, {});
  CHECK(large.collectives.at(0).protocol != "LL");
  CHECK_THAT(larger.latency_s / large.latency_s, Catch::Matchers::WithinRel(2.0, 0.02));
}

TEST_CASE("sim: the tuner's ring estimate matches the simulated ring on an uncontended fabric", "[sim][collectives]") {
  // The estimate and the simulation share one model of latency and bandwidth; they differ only
  // by the physical wire latency under the hop latency, which is zero here.
  const auto topology = testing::star(4, 100e9, 0.0);
  const auto r = run_allreduce(topology, 32e6, {sim::Algorithm::ring, sim::Protocol::simple});
  CHECK_THAT(r.latency_s, Catch::Matchers::WithinRel(r.collectives.at(0).estimate_s, 1e-9));
}

TEST_CASE("sim: schedules pair every send with a receive", "[sim][collectives]") {
  // For every algorithm the multiset of (from, to, bytes) sends equals that of receives; a
  // mismatch would deadlock the simulation or lose bytes.
  sim::GroupLayout group{{0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2}};
  using model::CollectiveKind;
  for (auto [kind, algorithm] : {std::pair{CollectiveKind::allreduce, sim::Algorithm::ring},
                                 {CollectiveKind::allreduce, sim::Algorithm::tree},
                                 {CollectiveKind::allreduce, sim::Algorithm::hierarchical},
                                 {CollectiveKind::allgather, sim::Algorithm::ring},
                                 {CollectiveKind::broadcast, sim::Algorithm::ring},
                                 {CollectiveKind::reduce, sim::Algorithm::ring}}) {
    std::multiset<std::tuple<int, int, double>> sends, recvs;
    for (int i = 0; i < group.size(); ++i)
      for (const auto& channel : sim::collective_schedule(kind, algorithm, group, i, 5, 3e6))
        for (const auto& step : channel) {
          for (const auto& t : step.sends) sends.insert({i, t.peer, t.bytes});
          for (const auto& t : step.recvs) recvs.insert({t.peer, i, t.bytes});
        }
    INFO(model::to_string(kind) << " " << sim::to_string(algorithm));
    CHECK(!sends.empty());
    CHECK(sends == recvs);
  }
}
