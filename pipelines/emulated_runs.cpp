// SPDX-License-Identifier: Apache-2.0
// The inter-node link is measured, not assumed: tc sets its rate, but TCP's overheads and the
// kernel's base latency (which netem-less kernels cannot set) are what a message really sees.
#include "pipelines/emulated_runs.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "calibrate/mpi_sweeps.hpp"
#include "common/interrupt.hpp"
#include "live/emulated_cluster.hpp"
#include "model/device_profile.hpp"
#include "pipelines/simulate_scenario.hpp"
#include "topologies/topology.hpp"

namespace clustersim::live {
namespace {

namespace fs = std::filesystem;

double param(const scenarios::TopologyRef& ref, const std::string& key, double fallback) {
  for (const auto& [k, v] : ref.params)
    if (k == key) return v;
  return fallback;
}

EmulatedClusterSpec spec_of(const scenarios::TopologyRef& ref) {
  return {.nodes = static_cast<int>(param(ref, "nodes", 2)),
          .ranks_per_node = static_cast<int>(param(ref, "ranks_per_node", 1)),
          .inter_node_Gbps = param(ref, "inter_node_Gbps", 1)};
}

/// The route between ranks of two nodes, as a measured end-to-end time is shared out: its
/// ethernet hops, and the latency of its other hops.
struct InterNodeRoute {
  int ethernet_hops = 0;
  double other_hops_s = 0;
  /// One ethernet hop's latency from a measured end-to-end α: α less the other hops, shared.
  double hop_latency_s(double alpha_s) const {
    return std::max(alpha_s - other_hops_s, 1e-9) / std::max(ethernet_hops, 1);
  }
};

InterNodeRoute inter_node_route(const topo::Topology& topology) {
  const auto& devices = topology.devices();
  const auto& vertices = topology.vertices();
  const auto other = std::find_if(devices.begin(), devices.end(),
                                  [&](int d) { return vertices[d].node != vertices[devices[0]].node; });
  const topo::Route route = topology.route(devices[0], *other);
  InterNodeRoute inter;
  for (const topo::Hop& hop : route.hops) {
    const topo::Edge& edge = topology.edges()[hop.edge];
    if (edge.link_class == topo::LinkClass::ethernet) ++inter.ethernet_hops;
    else inter.other_hops_s += edge.latency_s;
  }
  return inter;
}

/// The machine's profile with a measured `links.ethernet` added, as YAML text.
std::string profile_with_ethernet(const fs::path& profile, const calibrate::MpiSweepResult& sweep,
                                  const InterNodeRoute& route, const EmulatedClusterSpec& spec) {
  const double hop_latency_s = route.hop_latency_s(sweep.fit.latency_s);
  const std::string where = fmt::format(
      "MPI ping-pong over TCP between two nodes of the emulated cluster ({} nodes, "
      "tc tbf {} Gbit/s), {} B..{} B",
      spec.nodes, spec.inter_node_Gbps, sweep.one_way_s.begin()->first, sweep.one_way_s.rbegin()->first);
  model::LinkFigures link;
  link.latency = {.value = hop_latency_s,
                  .source = fmt::format("{}: fit alpha {:.2f} us end to end, less the route's other hops, per "
                                        "ethernet hop",
                                        where, sweep.fit.latency_s * 1e6),
                  .spread = sweep.latency_s.spread()};
  // The largest message's rate: tbf lets a 64 KiB burst through at line rate, so small and
  // middle sizes say little about the shaped rate, and a fit over the sweep overstates it.
  const calibrate::Repeated one_way = calibrate::one_way_plateau_Bps(sweep);
  link.bandwidth = {.value = one_way.median(),
                    .source = where + ": largest message / (its one-way time - alpha)",
                    .spread = one_way.spread()};
  // A message each way at once costs more than one alone over TCP; the tree's allreduces on two
  // ranks are such exchanges. The extra is shared among the ethernet hops as the latency is.
  const calibrate::Repeated extra = calibrate::exchange_extra_latency_s(sweep);
  if (!extra.values.empty()) {
    const int hops = std::max(route.ethernet_hops, 1);
    const calibrate::Repeated both_ways = extra.map([&](double s) { return hop_latency_s + s / hops; });
    link.both_ways_latency = {
        .value = both_ways.median(),
        .source = fmt::format("{}: the latency per ethernet hop + how much longer {} B take sent both ways at once "
                              "than one way, shared among the ethernet hops",
                              where, sweep.exchange_s.begin()->first),
        .spread = both_ways.spread()};
  }
  // No both_ways figure: each direction of the link is shaped by a tbf of its own, so it is full
  // duplex by construction. The probe's back-to-back exchanges over TCP reach only half the rate
  // per direction at 0.5 Gbit/s (0.030 against 0.060 GB/s one way), while the live ring's one
  // rotation per step reaches 0.052: TCP's two-way rate here depends on the traffic before it,
  // which one figure cannot carry. The exchange stays in the sweep table for the record.
  link.r_squared = sweep.fit.r_squared;
  return model::to_yaml(
      model::with_link(model::load_device_profile(profile.string()), topo::LinkClass::ethernet, std::move(link)),
      fmt::format("{} with the emulated cluster's inter-node link measured by clustersim validate.",
                  profile.filename().string()));
}

/// Builds each cluster the scenario's emulated cases need, in turn, and hands it with its cases
/// (a copy of the scenario holding only them) to `on_cluster`; removes it after.
void for_each_emulated_cluster(const scenarios::Scenario& scenario, const Say& say,
                               const std::function<void(const EmulatedCluster&, const std::string& spec,
                                                        const scenarios::Scenario& cases)>& on_cluster) {
  std::map<std::string, scenarios::Scenario> by_cluster;
  for (const scenarios::Case& c : scenario.cases) {
    if (!on_emulated_cluster(c)) continue;
    auto [it, fresh] = by_cluster.try_emplace(c.topology.spec(), scenario);
    if (fresh) it->second.cases.clear();
    it->second.cases.push_back(c);
  }
  for (const auto& [spec_text, cases] : by_cluster) {
    throw_if_interrupted();
    const EmulatedClusterSpec spec = spec_of(cases.cases.front().topology);
    say(fmt::format("emulated cluster {}: {} nodes x {} ranks, {} Gbit/s between nodes", spec_text, spec.nodes,
                    spec.ranks_per_node, spec.inter_node_Gbps));
    const EmulatedCluster cluster(spec);
    on_cluster(cluster, spec_text, cases);
  }
}

results::Results run_live_on(const EmulatedCluster& cluster, const scenarios::Scenario& cases, LiveOptions live) {
  live.place = [&](MpiJob job) { return cluster.place(std::move(job)); };
  return run_live(cases, live);
}

}  // namespace

void merge_cases(results::Results& into, const results::Results& from) {
  if (into.cases.empty() && into.scenario.empty()) {
    into = from;
    return;
  }
  into.cases.insert(into.cases.end(), from.cases.begin(), from.cases.end());
  std::sort(into.cases.begin(), into.cases.end(),
            [](const results::CaseResult& a, const results::CaseResult& b) { return a.index < b.index; });
}

bool on_emulated_cluster(const scenarios::Case& c) {
  return c.topology.file.empty() && c.topology.generator == "emulated_cluster";
}

results::Results run_live_on_emulated_clusters(const scenarios::Scenario& scenario, const LiveOptions& live,
                                               const Say& say) {
  results::Results measured;
  for_each_emulated_cluster(scenario, say,
                            [&](const EmulatedCluster& cluster, const std::string&, const scenarios::Scenario& cases) {
                              say(fmt::format("  running {} cases live", cases.cases.size()));
                              merge_cases(measured, run_live_on(cluster, cases, live));
                            });
  return measured;
}

EmulatedRuns validate_on_emulated_clusters(const scenarios::Scenario& scenario, const fs::path& profile,
                                           const fs::path& staging, const LiveOptions& live, const Say& say) {
  EmulatedRuns runs;
  for_each_emulated_cluster(
      scenario, say,
      [&](const EmulatedCluster& cluster, const std::string& spec_text, const scenarios::Scenario& cases) {
        const EmulatedClusterSpec& spec = cluster.spec();
        say("  measuring the inter-node link (MPI ping-pong and exchange between two nodes)");
        const calibrate::MpiSweepResult sweep = calibrate::measure_mpi(
            {.probe = program_beside_clustersim("clustersim_mpi_probe").string(),
             .ranks = 2,
             .max_bytes = 8ll << 20,
             .repetitions = 3,
             .place = [&](MpiJob job) { return cluster.place(std::move(job), /*across_nodes=*/true); }});
        for (const std::string& line : sweep.table) say("  " + line);
        const InterNodeRoute route = inter_node_route(topo::topology_from_spec(spec_text));
        const double hop_s = route.hop_latency_s(sweep.fit.latency_s);
        say(fmt::format(
            "  inter-node: alpha {:.1f} us end to end ({:.1f} us per ethernet hop), at {} B {:.4f} GB/s one "
            "way, {:.4f} GB/s per direction both ways at once; {:.1f} us more for {} B both ways at once",
            sweep.fit.latency_s * 1e6, hop_s * 1e6, sweep.one_way_s.rbegin()->first,
            calibrate::one_way_plateau_Bps(sweep).median() / 1e9, calibrate::exchange_plateau_Bps(sweep).median() / 1e9,
            calibrate::exchange_extra_latency_s(sweep).median() * 1e6, sweep.exchange_s.begin()->first));
        const std::string name =
            fmt::format("profile_{}x{}_{}Gbps.yaml", spec.nodes, spec.ranks_per_node, spec.inter_node_Gbps);
        runs.files[name] = profile_with_ethernet(profile, sweep, route, spec);
        const fs::path cluster_profile = staging / name;
        std::ofstream(cluster_profile) << runs.files[name];

        scenarios::Scenario predicted_cases = cases;
        for (scenarios::Case& c : predicted_cases.cases) {
          c.device = cluster_profile.string();
          runs.profile_of_case[c.index] = name;
        }
        say(fmt::format("  simulating {} cases", cases.cases.size()));
        merge_cases(runs.predicted, pipelines::simulate_scenario(predicted_cases, pipelines::RunOptions{}));

        say("  running them live");
        merge_cases(runs.measured, run_live_on(cluster, cases, live));
      });
  return runs;
}

}  // namespace clustersim::live
