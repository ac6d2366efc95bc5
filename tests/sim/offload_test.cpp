// SPDX-License-Identifier: Apache-2.0
// KV offloading with full fetch (strategies offload and offload_tree): the bytes a step moves, the
// per-layer time of a prefetch that hides behind compute or does not, memory per tier at the
// capacity boundary, host links shared by several devices, and the bad inputs a scenario can hold.
#include <catch2/catch.hpp>

#include <algorithm>

#include <fmt/format.h>

#include "common/input_error.hpp"
#include "model/generation.hpp"
#include "model/transformer.hpp"
#include "pipelines/simulate_scenario.hpp"
#include "scenarios/scenario.hpp"
#include "sim/simulate.hpp"
#include "support/fixtures.hpp"
#include "support/input_file_errors.hpp"
#include "support/scratch_dir.hpp"

using namespace clustersim;
using Catch::Matchers::Contains;

namespace {

constexpr double kHost_Bps = 10e9;  // one host link per GPU
constexpr double kHostLatency_s = 1e-6;
constexpr double kDisk_Bps = 2e9;  // the disk's own read rate, below its link's
constexpr double kDiskLinkLatency_s = 3e-6;

/// `n` GPUs on one switch, each with a PCIe edge of its own to one cpu of 1 TB, and a 4 TB disk
/// on the cpu by a link as fast as the GPUs'.
topo::Topology gpus_with_host(int n) {
  std::vector<topo::Vertex> vertices;
  std::vector<topo::Edge> edges;
  for (int i = 0; i < n; ++i)
    vertices.push_back({.id = fmt::format("gpu{}", i), .kind = topo::VertexKind::gpu, .node = "n0", .source = "test"});
  vertices.push_back({.id = "sw", .kind = topo::VertexKind::nvswitch, .node = "n0", .source = "test"});
  vertices.push_back(
      {.id = "cpu", .kind = topo::VertexKind::cpu, .node = "n0", .source = "test", .memory_capacity_B = 1e12});
  vertices.push_back({.id = "disk",
                      .kind = topo::VertexKind::disk,
                      .node = "n0",
                      .backplane_Bps = kDisk_Bps,
                      .source = "test",
                      .memory_capacity_B = 4e12});
  edges.push_back({.a = n + 2,
                   .b = n + 1,
                   .link_class = topo::LinkClass::pcie,
                   .bandwidth_Bps = kHost_Bps,
                   .latency_s = kDiskLinkLatency_s});
  for (int i = 0; i < n; ++i) {
    edges.push_back({.a = i, .b = n, .link_class = topo::LinkClass::nvlink, .bandwidth_Bps = 450e9, .latency_s = 1e-6});
    edges.push_back({.a = i,
                     .b = n + 1,
                     .link_class = topo::LinkClass::pcie,
                     .bandwidth_Bps = kHost_Bps,
                     .latency_s = kHostLatency_s});
  }
  return topo::Topology("gpus_with_host", vertices, edges, true, "<test>");
}

model::Placement one_node(int p) { return {std::vector<int>(p, 0)}; }

model::StrategySpec offload(const std::string& name, double fraction, int buffers = 2, int prefetch = 1,
                            const std::string& tier = "memory") {
  return {.name = name,
          .options = {{"fraction", fmt::format("{}", fraction)},
                      {"buffers", std::to_string(buffers)},
                      {"prefetch", std::to_string(prefetch)},
                      {"tier", tier}}};
}

double copied_bytes(const model::TaskGraph& g, model::CopyDirection direction) {
  double total = 0;
  for (const model::Op& op : g.ops())
    if (op.kind == model::OpKind::host_copy && op.direction == direction) total += op.bytes * op.ranks.size();
  return total;
}

/// End of the op named exactly `name`.
double end_of(const model::TaskGraph& g, const sim::SimulationResult& r, const std::string& name) {
  for (const model::Op& op : g.ops())
    if (op.name == name) return r.op_end_s.at(op.id);
  FAIL("no op " << name);
  return 0;
}

}  // namespace

TEST_CASE("offload: a decode step fetches fraction x every layer's cached K and V, and stores the new token's",
          "[offload][physics]") {
  const model::TransformerConfig m = model::load_transformer("llama3.2-1b");
  const double fraction = GENERATE(1.0, 0.25);
  const auto [name, p] = GENERATE(
      table<std::string, int>({{"offload", 1}, {"offload_tree", 4}, {"offload_ring", 4}, {"offload_ring", 3}}));
  const std::int64_t prompt = 4000;
  // new_tokens 2: one decode step, whose cache holds the prompt's tokens; the new token's K and
  // V are made on the last device.
  const model::GenerationPlan plan = model::plan_generation(
      m, {.batch = 2, .prompt_tokens = prompt, .new_tokens = 2, .strategy = offload(name, fraction)}, one_node(p));
  const model::AttentionShape shape = m.attention(prompt + 1, 2);
  // Every device moves the largest shard's share (4000 / 3: 1334 tokens), padded as ring hops are.
  const double largest = static_cast<double>((prompt + p - 1) / p);
  CHECK(copied_bytes(plan.graph, model::CopyDirection::to_device) ==
        Approx(m.layers * p * fraction * shape.kv_bytes(largest)).epsilon(1e-12));
  // Stores: each device's share of the prompt during the prefill (padded alike), then the new
  // token's from the last device.
  CHECK(copied_bytes(plan.graph, model::CopyDirection::to_host) ==
        Approx(m.layers * fraction * (p * shape.kv_bytes(largest) + shape.kv_bytes(1))).epsilon(1e-12));
  AND_THEN("fraction 0 fetches nothing and is the strategy it offloads from") {
    const model::GenerationPlan none = model::plan_generation(
        m, {.batch = 2, .prompt_tokens = prompt, .new_tokens = 2, .strategy = offload(name, 0)}, one_node(p));
    CHECK(copied_bytes(none.graph, model::CopyDirection::to_device) == 0);
    CHECK(copied_bytes(none.graph, model::CopyDirection::to_host) == 0);
  }
}

TEST_CASE("offload: a prefetched layer costs max(its compute, its fetch)", "[offload][sim][physics]") {
  // In steady state (a middle layer of the second decode step) one layer takes the longer of its
  // kernels, as single-device decode runs them, and its fetch, latency + bytes / bandwidth on
  // the copy engine: a fetch hides behind compute, or compute behind back-to-back fetches.
  const model::TransformerConfig m = model::load_transformer("llama3.2-1b");
  const topo::Topology topology = gpus_with_host(1);
  const model::DeviceProfile device = testing::round_device();
  const std::int64_t prompt = 32000;
  auto layer_time = [&](const model::StrategySpec& strategy) {
    const model::GenerationPlan plan =
        model::plan_generation(m, {.prompt_tokens = prompt, .new_tokens = 3, .strategy = strategy}, one_node(1));
    const sim::SimulationResult r =
        sim::simulate(plan.graph, {.topology = &topology, .gpu_of_rank = topology.devices(), .device = &device});
    return end_of(plan.graph, r, "t2.L9.attention") - end_of(plan.graph, r, "t2.L8.attention");
  };
  const double compute = layer_time({.name = "single"});
  // At step 2 the cache of a layer holds prompt + 1 tokens.
  const double layer_kv = m.attention(prompt + 2, 1).kv_bytes(prompt + 1);
  for (double fraction : {1.0, 0.5, 0.01}) {
    INFO("fraction " << fraction);
    const double fetch = kHostLatency_s + fraction * layer_kv / kHost_Bps;
    CHECK(layer_time(offload("offload", fraction)) == Approx(std::max(compute, fetch)).epsilon(1e-9));
  }
  AND_THEN("from the disk a fetch crosses the disk's link and the GPU's, at the disk's own rate") {
    // The drive's rate is shared by its reads and writes: each layer also stores the new token's
    // K and V, so the saturated drive moves both in one layer's time.
    const double new_kv = m.attention(prompt + 2, 1).kv_bytes(1);
    const double from_disk = kDiskLinkLatency_s + kHostLatency_s + (layer_kv + new_kv) / kDisk_Bps;
    CHECK(layer_time(offload("offload", 1.0, 2, 1, "disk")) == Approx(std::max(compute, from_disk)).epsilon(1e-9));
  }
  AND_THEN("with one buffer nothing is fetched ahead: each layer pays its fetch, then its kernels") {
    const double fetch = kHostLatency_s + layer_kv / kHost_Bps;
    const double one_buffer = layer_time(offload("offload", 1.0, 1));
    CHECK(one_buffer > fetch);
    CHECK(one_buffer < fetch + compute);  // the dense kernels after the attention overlap the next fetch
  }
}

TEST_CASE("offload: sparse fetch moves the selected blocks the GPU cache misses, one copy each", "[offload][physics]") {
  const model::TransformerConfig m = model::load_transformer("llama3.2-1b");
  const double hit = GENERATE(0.0, 0.75, 1.0);
  const model::StrategySpec spec{.name = "offload_sparse",
                                 .options = {{"block_tokens", "64"},
                                             {"budget_blocks", "16"},
                                             {"cache_blocks", "32"},
                                             {"hit_rate", fmt::format("{}", hit)}}};
  const model::GenerationPlan plan =
      model::plan_generation(m, {.prompt_tokens = 8000, .new_tokens = 2, .strategy = spec}, one_node(1));
  const model::AttentionShape shape = m.attention(8001, 1);
  double pieces = 0;
  for (const model::Op& op : plan.graph.ops()) pieces += op.gather_pieces;
  CHECK(pieces == Approx(m.layers * 16 * (1 - hit)));
  CHECK(copied_bytes(plan.graph, model::CopyDirection::to_device) ==
        Approx(m.layers * 16 * (1 - hit) * shape.kv_bytes(64)).margin(1e-6));
  AND_THEN("the device holds its landmarks, block caches and selected blocks; host memory the whole cache") {
    const double kv = 8002 * m.kv_bytes_per_token();  // the prompt and both new tokens
    CHECK(plan.memory[0].host_kv == Approx(kv));
    CHECK(plan.memory[0].kv_shard == Approx((32 + 16) * 64 * m.kv_bytes_per_token() + kv / (2 * 64)));
  }
}

TEST_CASE("offload: a sparse-fetch layer costs its selection, its gather and its attention in turn", "[offload][sim]") {
  // One layer alone on a round device: the selection kernel scores every block, the gather pays
  // one launch per block, then latency + bytes / bandwidth, and the attention covers the budget.
  const topo::Topology topology = gpus_with_host(1);
  const model::DeviceProfile device = testing::round_device();
  const model::AttentionShape shape{.batch = 1, .heads = 32, .kv_heads = 8, .head_dim = 128, .context = 64001};
  const model::StrategySpec spec{.name = "offload_sparse",
                                 .options = {{"block_tokens", "128"}, {"budget_blocks", "20"}, {"hit_rate", "0.5"}}};
  const model::DecodePlan plan = model::plan_decode(spec, shape, one_node(1));
  const sim::SimulationResult r =
      sim::simulate(plan.graph, {.topology = &topology, .gpu_of_rank = topology.devices(), .device = &device});
  const double blocks = 500;  // 64000 cached tokens / 128
  const double select =
      device.kernel_time(2.0 * 32 * 128 * blocks, blocks * 8 * 128 * 2 + shape.query_bytes(), model::DType::bf16);
  const double gather = 10 * device.launch_overhead.value + kHostLatency_s + 10 * shape.kv_bytes(128) / kHost_Bps;
  const double attend =
      device.kernel_time(shape.attention_flops(20 * 128), shape.attention_hbm_bytes(20 * 128), model::DType::bf16);
  CHECK(r.latency_s == Approx(select + gather + attend).epsilon(1e-9));
}

TEST_CASE("offload: devices behind one host link share it", "[offload][sim][physics]") {
  // The RTX 4090 box with 4 GPUs behind one PCIe switch: 4 devices fetching a quarter of the
  // cache each share the switch's uplink, so a transfer-bound layer takes as long as one device
  // fetching the whole cache over its own link.
  const model::TransformerConfig m = model::load_transformer("llama3.2-1b");
  const topo::Topology box = topo::generate_topology("rtx4090_box", {{"gpus", 4}});
  const model::DeviceProfile device = model::load_device_profile("rtx4090");
  auto step = [&](int p) {
    const model::GenerationPlan plan = model::plan_generation(
        m, {.prompt_tokens = 64000, .new_tokens = 3, .strategy = offload(p == 1 ? "offload" : "offload_tree", 1)},
        one_node(p));
    std::vector<int> gpus(box.devices().begin(), box.devices().begin() + p);
    const sim::SimulationResult r =
        sim::simulate(plan.graph, {.topology = &box, .gpu_of_rank = gpus, .device = &device});
    return end_of(plan.graph, r, "t2.L9.attention_out") - end_of(plan.graph, r, "t2.L8.attention_out");
  };
  const double one = step(1), four = step(4);
  CHECK(four == Approx(one).epsilon(0.01));
}

TEST_CASE("offload: device memory holds the buffers, host memory the offloaded cache", "[offload][physics]") {
  const model::TransformerConfig m = model::load_transformer("llama3.1-8b");
  const std::int64_t prompt = 100000;
  const int new_tokens = 4;
  const model::GenerationPlan full = model::plan_generation(
      m, {.prompt_tokens = prompt, .new_tokens = new_tokens, .strategy = offload("offload", 1, 3)}, one_node(1));
  const double kv = (prompt + new_tokens) * m.kv_bytes_per_token();
  CHECK(full.memory[0].host_kv == Approx(kv).epsilon(1e-12));
  CHECK(full.memory[0].kv_shard == Approx(3 * kv / m.layers).epsilon(1e-12));
  const model::GenerationPlan half = model::plan_generation(
      m, {.prompt_tokens = prompt, .new_tokens = new_tokens, .strategy = offload("offload", 0.5, 2)}, one_node(1));
  CHECK(half.memory[0].host_kv == Approx(kv / 2).epsilon(1e-12));
  CHECK(half.memory[0].kv_shard == Approx(kv / 2 + 2 * (kv / 2) / m.layers).epsilon(1e-12));
}

TEST_CASE("offload: on the disk tier the offloaded cache is disk's, not host memory's", "[offload][physics]") {
  const model::TransformerConfig m = model::load_transformer("llama3.1-8b");
  const model::GenerationPlan plan = model::plan_generation(
      m, {.prompt_tokens = 100000, .new_tokens = 4, .strategy = offload("offload", 1, 2, 1, "disk")}, one_node(1));
  CHECK(plan.memory[0].host_kv == 0);
  CHECK(plan.memory[0].disk_kv == Approx(100004 * m.kv_bytes_per_token()).epsilon(1e-12));
  for (const model::Op& op : plan.graph.ops())
    if (op.kind == model::OpKind::host_copy) CHECK(op.tier == model::HostTier::disk);
  CHECK(model::StrategySpec(offload("offload", 1, 2, 1, "disk")).label() == "offload+disk");
}

TEST_CASE("offload: the longest prompt that fits is where the host tier meets its capacity", "[offload]") {
  const model::TransformerConfig m = model::load_transformer("llama3.1-8b");
  const model::GenerationSpec spec{.new_tokens = 2, .strategy = offload("offload", 1)};
  const double device = 80e9, host = 64e9;
  const std::int64_t longest = model::longest_prompt_that_fits(m, spec, one_node(1), device, host);
  REQUIRE(longest > 0);
  auto memory = [&](std::int64_t prompt) {
    model::GenerationSpec s = spec;
    s.prompt_tokens = prompt;
    return model::plan_generation(m, s, one_node(1)).memory[0];
  };
  CHECK(memory(longest).host_kv <= host);
  CHECK(memory(longest + 1).host_kv > host);
  CHECK(memory(longest + 1).total() < device);  // the host tier, not the device, is the limit
  CHECK(longest >
        model::longest_prompt_that_fits(m, {.new_tokens = 2, .strategy = {.name = "single"}}, one_node(1), device));
}

namespace {

const char* const kScenario = R"(name: offload_test
topology:
  generator: rtx4090_box
  gpus: 2
device: rtx4090
workload:
  model: llama3.2-1b
  batch: 1
  prompt_tokens: 8000
  new_tokens: 2
strategies:
  - STRATEGY
)";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

std::string with_strategy(const std::string& strategy) { return replaced(kScenario, "STRATEGY", strategy); }

const char* const kBox = "generator: rtx4090_box\n  gpus: 2";

std::string scenario_error(const std::string& text) {
  return testing::load_error("scenario.yaml", text, [](const std::string& path) {
    pipelines::simulate_scenario(scenarios::load_scenario(path));
  });
}

}  // namespace

TEST_CASE("offload: a case whose host tier overflows is out of memory, and says which tier", "[offload][runner]") {
  // Llama 3.2-1B holds 32,768 B of K and V per token; both GPUs' shards, 8,000 prompt tokens and
  // the 2 new ones, live in cpu0's memory.
  const results::Results fits =
      pipelines::simulate_scenario(scenarios::parse_scenario(with_strategy("{name: offload_tree}"), "<test>"));
  REQUIRE(fits.cases.size() == 1);
  CHECK(fits.cases[0].status == results::CaseStatus::ok);
  CHECK(fits.cases[0].host_memory_capacity_bytes == 128e9);  // rtx4090_box's cpu0
  CHECK(fits.cases[0].host_mem_bytes == 8002 * 32768.0);
  const testing::TempFile graph("small_host.dot",
                                "graph { gpu0 [kind=\"gpu\"]; gpu1 [kind=\"gpu\"]; sw [kind=\"pcie_switch\"];\n"
                                " cpu0 [kind=\"cpu\", memory_GB=\"0.2\"];\n"
                                " gpu0 -- sw [class=\"pcie\", bandwidth_GBps=\"25\", latency_us=\"1\"];\n"
                                " gpu1 -- sw [class=\"pcie\", bandwidth_GBps=\"25\", latency_us=\"1\"];\n"
                                " sw -- cpu0 [class=\"pcie\", bandwidth_GBps=\"25\", latency_us=\"1\"]; }\n");
  const results::Results overflows = pipelines::simulate_scenario(scenarios::parse_scenario(
      replaced(with_strategy("{name: offload_tree}"), kBox, "file: " + graph.path()), "<test>"));
  CHECK(overflows.cases[0].status == results::CaseStatus::oom);
  CHECK(overflows.cases[0].host_memory_capacity_bytes == 0.2e9);
  CHECK(overflows.cases[0].host_mem_bytes == 8002 * 32768.0);
  CHECK(overflows.cases[0].peak_mem_bytes < overflows.cases[0].memory_capacity_bytes);
}

TEST_CASE("offload: bad options name the file, the line and the option", "[offload][errors]") {
  CHECK_THAT(scenario_error(with_strategy("{name: offload, fraction: 1.5}")),
             Contains("FILE:12:") && Contains("fraction 1.5 is outside [0, 1]"));
  CHECK_THAT(scenario_error(with_strategy("{name: offload, fraction: -0.1}")),
             Contains("fraction -0.1 is outside [0, 1]"));
  CHECK_THAT(scenario_error(with_strategy("{name: offload, prefetch: 0}")),
             Contains("FILE:12:") && Contains("prefetch 0 is outside the integers 1..1024"));
  CHECK_THAT(scenario_error(with_strategy("{name: offload_tree, buffers: 1.5}")),
             Contains("buffers 1.5 is outside the integers 1..1024"));
  CHECK_THAT(scenario_error(with_strategy("{name: tree, fraction: 0.5}")),
             Contains("option 'fraction' does not apply to strategy 'tree'"));
}

TEST_CASE("offload: a disk tier that overflows is out of memory; a topology without one is refused",
          "[offload][runner][errors]") {
  const results::Results fits = pipelines::simulate_scenario(
      scenarios::parse_scenario(with_strategy("{name: offload_tree, tier: disk}"), "<test>"));
  REQUIRE(fits.cases[0].status == results::CaseStatus::ok);
  CHECK(fits.cases[0].disk_bytes == 8002 * 32768.0);  // rtx4090_box's disk0 holds both GPUs' shares
  CHECK(fits.cases[0].disk_capacity_bytes == 2e12);
  CHECK(fits.cases[0].host_mem_bytes == 0);
  const testing::TempFile graph("small_disk.dot",
                                "graph { gpu0 [kind=\"gpu\"]; cpu0 [kind=\"cpu\", memory_GB=\"64\"];\n"
                                " disk0 [kind=\"disk\", memory_GB=\"0.1\", backplane_GBps=\"3\"];\n"
                                " gpu0 -- cpu0 [class=\"pcie\", bandwidth_GBps=\"25\", latency_us=\"1\"];\n"
                                " disk0 -- cpu0 [class=\"pcie\", bandwidth_GBps=\"7.88\", latency_us=\"1\"]; }\n");
  const results::Results overflows = pipelines::simulate_scenario(scenarios::parse_scenario(
      replaced(with_strategy("{name: offload, tier: disk}"), kBox, "file: " + graph.path()), "<test>"));
  CHECK(overflows.cases[0].status == results::CaseStatus::oom);
  CHECK(overflows.cases[0].disk_bytes > overflows.cases[0].disk_capacity_bytes);
  const testing::TempFile no_disk("no_disk.dot",
                                  "graph { gpu0 [kind=\"gpu\"]; cpu0 [kind=\"cpu\", memory_GB=\"64\"];\n"
                                  " gpu0 -- cpu0 [class=\"pcie\", bandwidth_GBps=\"25\", latency_us=\"1\"]; }\n");
  CHECK_THAT(scenario_error(replaced(with_strategy("{name: offload, tier: disk}"), kBox, "file: " + no_disk.path())),
             Contains("gpu 'gpu0' has no disk beside its nearest cpu") &&
                 Contains("strategy 'offload+disk' keeps K and V on the disk"));
}

TEST_CASE("offload: a topology without a host tier is refused before anything runs", "[offload][errors]") {
  SECTION("no cpu at all") {
    const std::string text = replaced(with_strategy("offload"), kBox, "generator: cpu_host\n  ranks: 2");
    CHECK_THAT(scenario_error(text), Contains("FILE:") && Contains("cpu_rank 'rank0' reaches no cpu") &&
                                         Contains("strategy 'offload' keeps K and V in the host memory"));
  }
  SECTION("a cpu without memory_GB") {
    const testing::TempFile graph("box.dot",
                                  "graph { gpu0 [kind=\"gpu\"]; cpu0 [kind=\"cpu\"];\n"
                                  " gpu0 -- cpu0 [class=\"pcie\", bandwidth_GBps=\"25\", latency_us=\"1\"]; }\n");
    const std::string text = replaced(with_strategy("offload"), kBox, "file: " + graph.path());
    CHECK_THAT(scenario_error(text), Contains("cpu 'cpu0', the host of gpu 'gpu0', gives no memory_GB"));
  }
}
