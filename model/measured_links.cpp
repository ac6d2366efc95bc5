// SPDX-License-Identifier: Apache-2.0
// Measured link figures replace a topology's per-class figures edge by edge. A profile's
// `links.<class>.latency_us` is the one-way latency of one hop of that class (calibrate measures
// it on a one-hop route), so it replaces each edge's latency, not a route's. A measured
// `both_ways_GBps` (per direction, both directions at once) replaces the topology's duplex, and
// a measured `both_ways_latency_us` (a message each way at once) the edge's own, as latency does.
#include "model/measured_links.hpp"

#include <algorithm>
#include <set>
#include <vector>

#include <fmt/format.h>

namespace clustersim::model {

bool has_measured_links(const topo::Topology& topology, const model::DeviceProfile& profile) {
  for (const topo::Edge& e : topology.edges())
    if (profile.links.count(e.link_class)) return true;
  return false;
}

topo::Topology with_measured_links(const topo::Topology& topology, const model::DeviceProfile& profile) {
  std::vector<topo::Edge> edges = topology.edges();
  for (topo::Edge& e : edges) {
    const auto measured = profile.links.find(e.link_class);
    if (measured == profile.links.end()) continue;
    const model::LinkFigures& link = measured->second;
    e.latency_s = link.latency.value;
    // Measured apart, so noise could put it below the latency: an exchange is never faster.
    e.both_ways_latency_s = link.both_ways_latency.value > 0 ? std::max(link.both_ways_latency.value, e.latency_s) : 0;
    e.bandwidth_Bps = link.bandwidth.value;
    e.source = fmt::format("measured ({}): latency {}; bandwidth {}", profile.origin, link.latency.source,
                           link.bandwidth.source);
    if (link.both_ways.value > 0) {
      // The measurement says how the directions share the link, so it replaces the topology's
      // duplex. Both directions together carry at least what one carries alone.
      e.duplex = topo::Duplex::full;
      const double both_ways = std::max(link.both_ways.value, e.bandwidth_Bps / 2);
      e.both_ways_Bps = both_ways < e.bandwidth_Bps ? both_ways : 0;
      e.source += fmt::format("; both ways {}", link.both_ways.source);
    }
    if (e.both_ways_latency_s > 0) e.source += fmt::format("; both-ways latency {}", link.both_ways_latency.source);
  }
  return topo::Topology(topology.name(), topology.vertices(), std::move(edges), topology.gpu_peer_to_peer(),
                        topology.origin());
}

std::map<std::string, std::string> figure_sources(const topo::Topology& topology, const model::DeviceProfile& profile) {
  std::map<std::string, std::string> sources{{"device", profile.provenance}};
  for (const topo::Edge& e : topology.edges()) {
    const std::string key = fmt::format("links.{}", topo::to_string(e.link_class));
    std::string& source = sources[key];
    if (profile.links.count(e.link_class)) source = "measured";
    else if (e.source.find("assumption") != std::string::npos) source = "assumption";
    else if (source.empty()) source = "datasheet";
  }
  return sources;
}

std::string describe_profile(const model::DeviceProfile& profile) {
  std::string line = fmt::format("# device {}: {} ({})", profile.name, profile.provenance, profile.origin);
  if (!profile.links.empty()) {
    std::vector<std::string> classes;
    for (const auto& [cls, figures] : profile.links) classes.emplace_back(topo::to_string(cls));
    line += fmt::format("; links measured: {}", fmt::join(classes, ", "));
  }
  const auto flagged = profile.flagged_figures();
  if (!flagged.empty()) {
    std::vector<std::string> keys;
    for (const auto& [key, why] : flagged) keys.push_back(key);
    line += fmt::format("; flagged: {}", fmt::join(keys, ", "));
  }
  return line;
}

}  // namespace clustersim::model
