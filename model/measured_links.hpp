// SPDX-License-Identifier: Apache-2.0
// Where a case's figures come from, and the measured link figures of a device profile applied to
// a topology: every edge of a class the profile's `links` covers takes the measured one-hop
// latency and bandwidth, so that a calibrated profile changes the network as well as the kernels.
#pragma once

#include <map>
#include <string>

#include "model/device_profile.hpp"
#include "topologies/topology.hpp"

namespace clustersim::model {

/// True when `profile` has measured figures for a link class that `topology` uses.
bool has_measured_links(const topo::Topology& topology, const model::DeviceProfile& profile);

/// `topology` with every edge of a class in `profile.links` given the measured latency,
/// bandwidth and a source naming the profile; everything else as it was.
topo::Topology with_measured_links(const topo::Topology& topology, const model::DeviceProfile& profile);

/// Per figure group, where its numbers come from: `device` (the profile's provenance,
/// `datasheet` or `measured`) and `links.<class>` for each link class of the topology
/// (`measured` when the profile covers it, else `assumption` when an edge's source says so,
/// else `datasheet`).
std::map<std::string, std::string> figure_sources(const topo::Topology& topology, const model::DeviceProfile& profile);

/// One line for stderr: `# device NAME: PROVENANCE (ORIGIN); links measured: ...; flagged: ...`.
std::string describe_profile(const model::DeviceProfile& profile);

}  // namespace clustersim::model
