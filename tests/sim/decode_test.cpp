// SPDX-License-Identifier: Apache-2.0
// Decode strategies simulated end to end on a small fabric: bytes moved per device, the time
// breakdown's bookkeeping, and where tree and ring stand against each other.
#include <catch2/catch.hpp>

#include <map>

#include "common/input_error.hpp"
#include "model/device_profile.hpp"
#include "model/strategy.hpp"
#include "sim/simulate.hpp"
#include "support/fixtures.hpp"

using namespace clustersim;

namespace {

model::AttentionShape shape(std::int64_t context) {
  return {.batch = 1,
          .heads = 16,
          .kv_heads = 16,
          .head_dim = 128,
          .context = context,
          .dtype = model::DType::bf16,
          .partials_dtype = model::DType::fp32};
}

sim::SimulationResult decode(const std::string& strategy, std::int64_t context, int p,
                             sim::CollectiveSettings settings = {}) {
  static const auto topology = testing::star(8, 450e9, 0.5e-6);
  static const auto device = testing::round_device();
  const model::DecodePlan plan = model::plan_decode({.name = strategy}, shape(context), {std::vector<int>(p, 0)});
  std::vector<int> gpus(topology.devices().begin(), topology.devices().begin() + p);
  return sim::simulate(plan.graph,
                       {.topology = &topology, .gpu_of_rank = gpus, .device = &device, .collectives = settings});
}

}  // namespace

TEST_CASE("sim: tree decode sends 2(p-1)/p*(b*d + 2*b*n_h) elements per device", "[sim][decode][physics]") {
  // With ring allreduces, every device sends 2(p-1)/p of each reduced buffer (fp32 partials).
  // Rank p-2 is the last link of the query broadcast chain (root p-1), so it sends nothing else.
  const int p = GENERATE(2, 4, 8);
  const auto r = decode("tree", 1 << 20, p, {sim::Algorithm::ring, sim::Protocol::simple});
  const double elements = 1 * 2048 + 2 * 1 * 16;
  CHECK_THAT(r.devices[p - 2].bytes_sent, Catch::Matchers::WithinRel(2.0 * (p - 1) / p * elements * 4, 1e-12));
}

TEST_CASE("sim: ring decode sends p-1 chunks of 2*b*(N/p)*d elements per device", "[sim][decode][physics]") {
  const int p = GENERATE(2, 4, 8);
  const std::int64_t context = 1 << 20;
  const auto r = decode("ring", context, p);
  CHECK(r.devices[p - 2].bytes_sent == (p - 1) * 2.0 * (context / p) * 2048 * 2);
}

TEST_CASE("sim: every device's time splits into compute, exposed communication and idle", "[sim][decode]") {
  for (const std::string strategy : {"tree", "ring"}) {
    const auto r = decode(strategy, 1 << 20, 8);
    for (const auto& d : r.devices) {
      CHECK_THAT(d.compute_s + d.exposed_comm_s + d.idle_s, Catch::Matchers::WithinRel(r.latency_s, 1e-9));
      CHECK(d.exposed_comm_s <= d.comm_s + 1e-15);
    }
  }
}

TEST_CASE("sim: ring decode overlaps each hop with the attention on the chunk in hand", "[sim][decode]") {
  // Each hop moves 2·(N/p)·2048·2 B = 1.07 GB/p at 450 GB/s while the chunk's attention reads
  // the same bytes at 1 TB/s: the hops dominate and the compute hides under them, so latency
  // is about (p-1) hop times plus one chunk's compute, far less than their sum.
  const int p = 8;
  const std::int64_t context = 1 << 22;
  const auto r = decode("ring", context, p);
  const double chunk = 2.0 * (context / p) * 2048 * 2;
  const double hop = chunk / 450e9, attend = chunk / 1e12;
  CHECK(r.latency_s > (p - 1) * hop);
  CHECK(r.latency_s < (p - 1) * hop + 2 * attend + 1e-3);
  CHECK(r.latency_s < (p - 1) * (hop + attend));
}

TEST_CASE("sim: tree decode beats ring decode at long context, and its comm does not grow with it", "[sim][decode]") {
  const auto tree_short = decode("tree", 1 << 18, 8);
  const auto tree_long = decode("tree", 1 << 22, 8);
  const auto ring_long = decode("ring", 1 << 22, 8);
  CHECK(tree_long.latency_s < ring_long.latency_s);
  CHECK(tree_long.devices[6].bytes_sent == tree_short.devices[6].bytes_sent);
}

TEST_CASE("sim: the same inputs give the same results, bit for bit", "[sim][decode]") {
  const auto a = decode("ring", 1 << 20, 8);
  const auto b = decode("ring", 1 << 20, 8);
  CHECK(a.latency_s == b.latency_s);
  for (std::size_t i = 0; i < a.devices.size(); ++i) CHECK(a.devices[i].compute_s == b.devices[i].compute_s);
}

TEST_CASE("sim: the timeline records every op of every device with its kind and bytes", "[sim][decode]") {
  // Ring decode on 4 GPUs: each device runs 4 attention kernels, sends and receives 3 chunks and
  // takes part in the query broadcast; intervals lie inside [0, latency].
  static const auto topology = testing::star(4, 450e9, 0.5e-6);
  static const auto device = testing::round_device();
  const model::DecodePlan plan = model::plan_decode({.name = "ring"}, shape(1 << 20), {std::vector<int>(4, 0)});
  const auto r = sim::simulate(
      plan.graph,
      {.topology = &topology, .gpu_of_rank = topology.devices(), .device = &device, .record_timeline = true});
  REQUIRE(r.timeline.size() == 4);
  for (const auto& device_timeline : r.timeline) {
    std::map<std::string, int> count;
    for (const auto& i : device_timeline) {
      ++count[i.kind];
      CHECK(i.start_s >= 0);
      CHECK(i.end_s >= i.start_s);
      CHECK(i.end_s <= r.latency_s);
      if (i.kind == "send") CHECK(i.bytes == 2.0 * (1 << 18) * 2048 * 2);
    }
    CHECK(count["compute"] == 4);
    CHECK(count["send"] == 3);
    CHECK(count["recv"] == 3);
    CHECK(count["collective"] == 1);
  }
  AND_THEN("links report the bytes they carried: every chunk crosses two NVLink edges") {
    CHECK(r.link_bytes_by_class.at("nvlink") >= 2 * 4 * 3 * 2.0 * (1 << 18) * 2048 * 2);
  }
}

TEST_CASE("sim: an error met inside a rank's actor ends the simulation with that error", "[sim][errors]") {
  // A CPU profile has no bf16 rate: the first kernel's time throws inside the SimGrid actor.
  const auto topology = testing::star(2, 450e9, 0.5e-6);
  const model::DeviceProfile cpu = model::load_device_profile("tests/fixtures/cpu_measured.yaml");
  const model::DecodePlan plan = model::plan_decode({.name = "tree"}, shape(4096), {{0, 0}});
  try {
    sim::simulate(plan.graph, {.topology = &topology, .gpu_of_rank = topology.devices(), .device = &cpu});
    FAIL("the simulation should have refused the profile");
  } catch (const InputError& e) {
    CHECK_THAT(e.what(), Catch::Contains("has no dense_TFLOPS figure for bf16"));
    CHECK(e.element() == "dense_TFLOPS.bf16");
  }
}
