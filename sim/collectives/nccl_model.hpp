// SPDX-License-Identifier: Apache-2.0
// NCCL's cost model, as far as clustersim uses it: per-protocol launch and per-hop latencies,
// the wire overhead of each protocol, and the tuner's choice of algorithm and protocol by
// message size from closed-form estimates (NVIDIA/nccl v2.28.9-1, src/graph/tuning.cc). The
// simulation itself then runs the chosen algorithm's steps as real flows on the platform.
#pragma once

#include <vector>

#include "model/task_graph.hpp"
#include "sim/collective_settings.hpp"
#include "topologies/topology.hpp"

namespace clustersim::sim {

class GroupLayout;

/// NCCL's hardware latency classes.
enum class LinkFamily { nvlink, pci, net };

LinkFamily family_of(topo::LinkClass link_class);
/// The slowest family on a route (NET > PCI > NVLINK): the one that sets its per-hop latency.
LinkFamily route_family(const topo::Topology& topology, const topo::Route& route);

/// Launch latency of one collective kernel, seconds (tuning.cc baseLat).
double base_latency_s(Algorithm algorithm, Protocol protocol);
/// Per-hop latency of a pipeline step over a link of `family`, seconds (tuning.cc hwLat).
double hop_latency_s(Algorithm algorithm, Protocol protocol, LinkFamily family);
/// Bytes on the wire per payload byte: LL 2 (4 B data + 4 B flag), LL128 128/120, Simple 1.
double wire_factor(Protocol protocol);

/// What the tuner needs to know about a group on the fabric.
struct GroupFabric {
  int size = 1;
  int nodes = 1;
  bool uniform = true;  ///< same number of ranks in every node
  LinkFamily intra_family = LinkFamily::nvlink;
  LinkFamily inter_family = LinkFamily::net;
  bool nvlink_only = true;               ///< every route in the group is NVLink-class
  double ring_Bps = 0;                   ///< slowest route between ring neighbours
  double intra_Bps = 0;                  ///< slowest route between neighbours inside a node
  double inter_Bps = 0;                  ///< slowest route between nodes
  double route_latency_s = 0;            ///< largest route latency between ring neighbours
  double route_both_ways_latency_s = 0;  ///< the same for a message each way at once (MPI)
};

/// The fabric facts of a group: `ring[i]` is the route from member i to member i+1 (mod n).
GroupFabric describe_group(const GroupLayout& group, const std::vector<topo::Route>& ring,
                           const topo::Topology& topology);

struct CollectiveChoice {
  Algorithm algorithm = Algorithm::ring;
  Protocol protocol = Protocol::simple;
  double estimate_s = 0;  ///< the closed-form time the choice was made on
};

/// Closed-form time of `kind` on `fabric` with a given algorithm and protocol, as the tuner
/// estimates it: launch + hops × per-hop latency + wire bytes / bandwidth.
double estimate_s(model::CollectiveKind kind, Algorithm algorithm, Protocol protocol, double bytes,
                  const GroupFabric& fabric);

/// The fastest estimated (algorithm, protocol), restricted by `settings`. LL128 is used on
/// NVLink-only groups; only allreduce chooses among algorithms (NCCL runs the others as rings).
/// With library mpi: Open MPI's allreduce decision (mpi_model.hpp), rings and chains for the
/// others, protocol Simple (one wire byte per payload byte) and MPI's estimate.
CollectiveChoice choose_collective(model::CollectiveKind kind, double bytes, const GroupFabric& fabric,
                                   const CollectiveSettings& settings);

/// Protocol of a point-to-point message: LL up to 16 KiB (NCCL_P2P_LL_THRESHOLD), else Simple.
Protocol choose_p2p_protocol(double bytes, const CollectiveSettings& settings);

}  // namespace clustersim::sim
