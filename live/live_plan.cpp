// SPDX-License-Identifier: Apache-2.0
// Both backends run single-layer decode attention with single, tree (plain or fused) and ring
// (output on all or one): the CPU backend in fp32, the GPU backend with K, V and q in bf16 or fp16
// and fp32 partials; anything else is reported as unsupported rather than run approximately.
// Resource checks cover every case before the first one runs.
#include "live/live_plan.hpp"

#include <algorithm>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "common/input_error.hpp"
#include "topologies/topology.hpp"

namespace clustersim::live {
namespace {

double kv_bytes(const model::AttentionShape& s, std::int64_t tokens, double element_bytes = sizeof(float)) {
  return 2.0 * s.batch * static_cast<double>(tokens) * s.kv_heads * s.head_dim * element_bytes;
}

std::string why_unsupported(const scenarios::Case& c, Backend backend) {
  if (c.model) return "end-to-end generation (a model) has no live backend yet; only one attention layer runs live";
  const model::DType dtype = c.shape.dtype;
  if (backend == Backend::cpu && dtype != model::DType::fp32)
    return fmt::format("dtype {}: the CPU backend computes in fp32 only", model::to_string(dtype));
  if (backend == Backend::gpu && dtype != model::DType::bf16 && dtype != model::DType::fp16)
    return fmt::format(
        "dtype {}: the GPU backend stores K, V and q in bf16 or fp16 only (its kernel reads 16-bit "
        "values); give the case dtype bf16 or fp16",
        model::to_string(dtype));
  if (c.shape.partials_dtype != model::DType::fp32)
    return fmt::format("partials_dtype {}: the live backends exchange fp32 partials only",
                       model::to_string(c.shape.partials_dtype));
  if (!model::strategy(c.strategy.name).live_args) {
    std::vector<std::string> live;
    for (const model::Strategy* s : model::strategies())
      if (s->live_args) live.push_back(s->name);
    return fmt::format("strategy {} has no live implementation ({} do)", c.strategy.label(), fmt::join(live, ", "));
  }
  return {};
}

const topo::Topology& topology_of(const scenarios::Case& c,
                                  std::map<std::string, std::unique_ptr<topo::Topology>>& topologies) {
  auto& topology = topologies[c.topology.spec()];
  if (!topology) {
    try {
      topology = std::make_unique<topo::Topology>(topo::topology_from_spec(c.topology.spec()));
    } catch (const InputError& e) {
      if (!e.mark().file.empty()) throw;
      throw InputError(c.topology_at, e.element(), e.message(), e.note());
    }
  }
  return *topology;
}

int device_count(const scenarios::Case& c, const topo::Topology& topology) {
  return model::devices_used(c.strategy, c.gpus > 0 ? c.gpus : static_cast<int>(topology.devices().size()));
}

/// GPU vertices run on the GPU backend; cpu_rank vertices (CPU processes as devices) on the CPU's.
Backend backend_of(const topo::Topology& topology) {
  const auto& devices = topology.devices();
  const bool gpu = !devices.empty() && topology.vertices()[devices.front()].kind == topo::VertexKind::gpu;
  return gpu ? Backend::gpu : Backend::cpu;
}

std::vector<std::string> program_args(const scenarios::Case& c, Backend backend, int ranks) {
  std::vector<std::string> args = model::strategy(c.strategy.name).live_args(c.strategy);
  args.insert(args.end(), {"--context", std::to_string(c.shape.context), "--batch", std::to_string(c.shape.batch),
                           "--heads", std::to_string(c.shape.heads), "--kv-heads", std::to_string(c.shape.kv_heads),
                           "--head-dim", std::to_string(c.shape.head_dim)});
  if (backend == Backend::gpu)
    args.insert(args.end(), {"--dtype", model::to_string(c.shape.dtype), "--gpus", std::to_string(ranks)});
  return args;
}

std::string gigabytes(double bytes) { return fmt::format("{:.2f} GB", bytes / 1e9); }

}  // namespace

std::vector<LiveCase> plan_live_cases(const scenarios::Scenario& scenario, const Machine& machine, bool oversubscribe) {
  std::map<std::string, std::unique_ptr<topo::Topology>> topologies;
  std::vector<LiveCase> plan;
  std::vector<std::string> refused;
  for (const scenarios::Case& c : scenario.cases) {
    const topo::Topology& topology = topology_of(c, topologies);
    const Backend backend = backend_of(topology);
    LiveCase live{
        .spec = &c, .backend = backend, .ranks = device_count(c, topology), .unsupported = why_unsupported(c, backend)};
    plan.push_back(live);
    if (!live.unsupported.empty()) continue;
    LiveCase& p = plan.back();
    p.args = program_args(c, backend, p.ranks);
    // Each device holds its shard (ring: plus one incoming shard); after the timed steps every
    // device frees its cache and one process regenerates the whole cache in fp32 for the reference.
    const std::int64_t largest_shard = (c.shape.context + p.ranks - 1) / p.ranks;
    const bool ring = model::strategy(c.strategy.name).moves_kv && p.ranks > 1;
    const double whole_cache = kv_bytes(c.shape, c.shape.context);
    if (backend == Backend::gpu) {
      // The shards live in GPU memory in 16 bits; the host generates one at a time.
      p.rank_kv_bytes = kv_bytes(c.shape, largest_shard, 2) * (ring ? 2 : 1);
      p.memory_bytes = whole_cache;
    } else {
      p.rank_kv_bytes = kv_bytes(c.shape, largest_shard) * (ring ? 2 : 1);
      p.memory_bytes = whole_cache + (ring ? p.ranks * kv_bytes(c.shape, largest_shard) : 0.0);
    }
    if (backend == Backend::cpu && p.ranks > machine.cores && !oversubscribe)
      refused.push_back(
          fmt::format("case {} ({} on {} ranks, context {}) needs {} ranks but {} has {} cores; "
                      "give --oversubscribe to run it anyway (its timings will suffer)",
                      c.index, c.strategy.label(), p.ranks, c.shape.context, p.ranks, machine.host, machine.cores));
    if (p.memory_bytes > machine.available_memory_bytes)
      refused.push_back(
          fmt::format("case {} ({} on {} ranks, context {}) needs {} of host memory (K and V in fp32, "
                      "and the whole cache again for the reference check) but {} has {} available",
                      c.index, c.strategy.label(), p.ranks, c.shape.context, gigabytes(p.memory_bytes), machine.host,
                      gigabytes(machine.available_memory_bytes)));
  }
  if (!refused.empty())
    throw InputError({scenario.origin}, "cases",
                     fmt::format("this machine cannot run {} of the scenario's cases live:\n  {}", refused.size(),
                                 fmt::join(refused, "\n  ")));
  if (std::all_of(plan.begin(), plan.end(), [](const LiveCase& p) { return !p.unsupported.empty(); }))
    throw InputError({scenario.origin}, "strategies",
                     fmt::format("no case of the scenario can run live: {}",
                                 plan.empty() ? "it has no cases" : plan.front().unsupported));
  return plan;
}

}  // namespace clustersim::live
