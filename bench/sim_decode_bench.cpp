// SPDX-License-Identifier: Apache-2.0
// Wall time to simulate one decode step of one attention layer (16 heads x 128, bf16, batch 1,
// 5.12M tokens) on DGX H100 clusters of 8 to 1024 GPUs, tree and ring. The simulated latency is
// a counter, so a speed-up that changed results would show. Each simulation runs in a child
// process; engine_rss_MB is that process's peak resident memory.
#include <benchmark/benchmark.h>

#include "model/device_profile.hpp"
#include "model/strategy.hpp"
#include "sim/simulate.hpp"
#include "topologies/topology.hpp"

using namespace clustersim;

namespace {

void simulate_decode(benchmark::State& state, const std::string& strategy) {
  const int gpus = static_cast<int>(state.range(0));
  const topo::Topology topology = topo::generate_topology("dgx_h100_cluster", {{"nodes", gpus / 8}});
  const model::DeviceProfile device = model::load_device_profile("h100_sxm");
  const model::AttentionShape shape{.batch = 1, .heads = 16, .kv_heads = 16, .head_dim = 128, .context = 5'120'000};
  model::Placement placement;
  for (int r = 0; r < gpus; ++r) placement.node_of_rank.push_back(r / 8);
  const model::DecodePlan plan = model::plan_decode({.name = strategy}, shape, placement);
  sim::SimulationResult result;
  for (auto _ : state)
    result = sim::simulate(plan.graph, {.topology = &topology, .gpu_of_rank = topology.devices(), .device = &device});
  state.counters["sim_latency_s"] = result.latency_s;
  state.counters["engine_rss_MB"] = result.engine_peak_rss_bytes / (1 << 20);
}

void BM_SimDecodeTree(benchmark::State& state) { simulate_decode(state, "tree"); }
void BM_SimDecodeRing(benchmark::State& state) { simulate_decode(state, "ring"); }

}  // namespace

BENCHMARK(BM_SimDecodeTree)->ArgName("gpus")->Arg(8)->Arg(64)->Arg(128)->Arg(1024)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SimDecodeRing)
    ->ArgName("gpus")
    ->Arg(8)
    ->Arg(64)
    ->Arg(128)
    ->Arg(1024)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

BENCHMARK_MAIN();
