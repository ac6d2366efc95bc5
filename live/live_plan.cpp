// SPDX-License-Identifier: Apache-2.0
// The CPU backend runs fp32 single-layer decode attention with single, tree (plain or fused)
// and ring (output on all or one); anything else is reported as unsupported rather than run
// approximately. Resource checks cover every case before the first one runs.
#include "live/live_plan.hpp"

#include <algorithm>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "common/input_error.hpp"
#include "topologies/topology.hpp"

namespace clustersim::live {
namespace {

double kv_bytes(const model::AttentionShape& s, std::int64_t tokens) {
  return 2.0 * s.batch * static_cast<double>(tokens) * s.kv_heads * s.head_dim * sizeof(float);
}

std::string why_unsupported(const scenarios::Case& c) {
  if (c.model) return "end-to-end generation (a model) has no live backend yet; only one attention layer runs live";
  if (c.shape.dtype != model::DType::fp32)
    return fmt::format("dtype {}: the CPU backend computes in fp32 only", model::to_string(c.shape.dtype));
  if (c.shape.partials_dtype != model::DType::fp32)
    return fmt::format("partials_dtype {}: the CPU backend exchanges fp32 partials only",
                       model::to_string(c.shape.partials_dtype));
  const std::string& name = c.strategy.name;
  if (name != "single" && name != "tree" && name != "ring")
    return fmt::format("strategy {} has no live implementation (single, tree and ring do)", c.strategy.label());
  return {};
}

int device_count(const scenarios::Case& c, std::map<std::string, std::unique_ptr<topo::Topology>>& topologies) {
  if (c.strategy.name == "single") return 1;
  if (c.gpus > 0) return c.gpus;
  auto& topology = topologies[c.topology.spec()];
  if (!topology) {
    try {
      topology = std::make_unique<topo::Topology>(topo::topology_from_spec(c.topology.spec()));
    } catch (const InputError& e) {
      if (!e.mark().file.empty()) throw;
      throw InputError(c.topology_at, e.element(), e.message(), e.note());
    }
  }
  return static_cast<int>(topology->devices().size());
}

std::vector<std::string> program_args(const scenarios::Case& c) {
  std::vector<std::string> args{"--strategy",   c.strategy.name,
                                "--context",    std::to_string(c.shape.context),
                                "--batch",      std::to_string(c.shape.batch),
                                "--heads",      std::to_string(c.shape.heads),
                                "--kv-heads",   std::to_string(c.shape.kv_heads),
                                "--head-dim",   std::to_string(c.shape.head_dim)};
  if (c.strategy.name == "tree" && c.strategy.fuse_sums) args.push_back("--fuse-sums");
  if (c.strategy.name == "ring" && !c.strategy.output_on_all) args.push_back("--output-one");
  return args;
}

std::string gigabytes(double bytes) { return fmt::format("{:.2f} GB", bytes / 1e9); }

}  // namespace

std::vector<LiveCase> plan_live_cases(const scenarios::Scenario& scenario, const Machine& machine,
                                      bool oversubscribe) {
  std::map<std::string, std::unique_ptr<topo::Topology>> topologies;
  std::vector<LiveCase> plan;
  std::vector<std::string> refused;
  for (const scenarios::Case& c : scenario.cases) {
    LiveCase live{.spec = &c, .ranks = device_count(c, topologies), .unsupported = why_unsupported(c)};
    plan.push_back(live);
    if (!live.unsupported.empty()) continue;
    LiveCase& p = plan.back();
    p.args = program_args(c);
    // Each rank holds its shard (ring: plus one incoming shard); after the timed steps every rank
    // frees its cache and rank 0 alone regenerates the whole cache for the reference.
    const std::int64_t largest_shard = (c.shape.context + p.ranks - 1) / p.ranks;
    const bool ring = c.strategy.name == "ring" && p.ranks > 1;
    const double whole_cache = kv_bytes(c.shape, c.shape.context);
    p.rank_kv_bytes = kv_bytes(c.shape, largest_shard) * (ring ? 2 : 1);
    p.memory_bytes = whole_cache + (ring ? p.ranks * kv_bytes(c.shape, largest_shard) : 0.0);
    if (p.ranks > machine.cores && !oversubscribe)
      refused.push_back(fmt::format("case {} ({} on {} ranks, context {}) needs {} ranks but {} has {} cores; "
                                    "give --oversubscribe to run it anyway (its timings will suffer)",
                                    c.index, c.strategy.label(), p.ranks, c.shape.context, p.ranks, machine.host,
                                    machine.cores));
    if (p.memory_bytes > machine.available_memory_bytes)
      refused.push_back(fmt::format("case {} ({} on {} ranks, context {}) needs {} of host memory (K and V in fp32, "
                                    "and the whole cache again for the reference check) but {} has {} available",
                                    c.index, c.strategy.label(), p.ranks, c.shape.context, gigabytes(p.memory_bytes),
                                    machine.host, gigabytes(machine.available_memory_bytes)));
  }
  if (!refused.empty())
    throw InputError({scenario.origin}, "cases",
                     fmt::format("this machine cannot run {} of the scenario's cases live:\n  {}", refused.size(),
                                 fmt::join(refused, "\n  ")));
  if (std::all_of(plan.begin(), plan.end(), [](const LiveCase& p) { return !p.unsupported.empty(); }))
    throw InputError({scenario.origin}, "strategies",
                     fmt::format("no case of the scenario can run live: {}", plan.empty() ? "it has no cases"
                                                                                          : plan.front().unsupported));
  return plan;
}

}  // namespace clustersim::live
