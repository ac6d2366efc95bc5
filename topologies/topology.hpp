// SPDX-License-Identifier: Apache-2.0
// Topology: the network description of a cluster as a typed graph — devices and switches as
// vertices, physical links as edges — and the routes traffic takes through it. This is the
// "system/network" input of a simulation (ASTRA-sim's network file, Calculon's system file);
// it knows nothing of SimGrid: sim/ turns a Topology into a platform.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace clustersim::topo {

/// What a vertex is. Only gpu, cpu_rank, cpu and disk vertices are endpoints (they can send and
/// receive); the others forward traffic. The devices that run ranks are gpu and cpu_rank
/// vertices: a cpu_rank is a CPU process used as a device (an MPI rank pinned to a core, its KV
/// shard in host memory), while a cpu is a host that stages GPU traffic and holds host memory.
/// A disk is a storage drive (an NVMe SSD), a tier that offloaded data can live in; reads and
/// writes between a disk and a gpu are staged in the host memory of the disk's nearest cpu.
enum class VertexKind { gpu, cpu, nvswitch, pcie_switch, nic, network_switch, cpu_rank, disk };

/// The technology of a link; decides protocol costs (NCCL's NVLINK / PCI / NET classes).
/// shared_memory: MPI between processes of one host; ethernet: TCP between hosts.
enum class LinkClass { nvlink, xgmi, pcie, infiniband, roce, shared_memory, ethernet };

/// full: independent capacity per direction (split-duplex); half: both directions share it.
enum class Duplex { full, half };

const char* to_string(VertexKind kind);
const char* to_string(LinkClass cls);
const char* to_string(Duplex duplex);
std::optional<VertexKind> vertex_kind_from_string(const std::string& text);
std::optional<LinkClass> link_class_from_string(const std::string& text);
/// gpu and cpu_rank: the vertices that run ranks.
bool is_device(VertexKind kind);
/// Devices, cpus and disks: the vertices that send and receive; they never forward traffic.
bool is_endpoint(VertexKind kind);

struct Vertex {
  std::string id;  ///< unique within the topology, e.g. `n3_gpu5`
  VertexKind kind = VertexKind::gpu;
  std::string node;          ///< the machine this vertex is in (groups devices for hierarchical schemes)
  double backplane_Bps = 0;  ///< switching capacity shared by all traffic through it; 0 = non-blocking
  std::string source;        ///< where the figures come from
  /// A cpu's host memory, or a disk's capacity, in bytes: the tiers offloaded KV caches live
  /// in; 0 = not given.
  double memory_capacity_B = 0;
};

struct Edge {
  int a = 0;  ///< vertex index
  int b = 0;  ///< vertex index
  LinkClass link_class = LinkClass::pcie;
  double bandwidth_Bps = 0;  ///< per direction, bytes/s
  double latency_s = 0;      ///< one-way hardware latency of this hop, seconds
  Duplex duplex = Duplex::full;
  std::string source;
  /// Full duplex only: bytes/s per direction while both directions carry traffic, when the two
  /// share something (memory copies, a CPU's TCP stack) so that each gets less than
  /// bandwidth_Bps; 0 = independent directions.
  double both_ways_Bps = 0;
  /// One-way latency of this hop for a message sent while the peer sends one back at once (an
  /// MPI exchange, as collectives do on two ranks), when that costs more than latency_s: a CPU's
  /// TCP stack handles both messages. 0 = latency_s. Library mpi's collectives use it.
  double both_ways_latency_s = 0;
};

/// Bytes/s each direction of `e` carries while both carry traffic, as the simulated platform
/// shares it: both_ways_Bps where set, all of the bandwidth on independent full-duplex
/// directions, half of it on a half-duplex link.
double exchange_Bps(const Edge& e);

/// One step of a route: an edge and the direction it is crossed in (a -> b is forward).
struct Hop {
  int edge = 0;
  bool forward = true;
};

/// The path a message takes from one endpoint to another: the edges crossed in order and the
/// vertices with a finite backplane it passes through or bounces at.
struct Route {
  std::vector<Hop> hops;
  std::vector<int> backplanes;     ///< vertex indices
  double latency_s = 0;            ///< sum of the hops' latencies
  double both_ways_latency_s = 0;  ///< sum of the hops' both-ways latencies (latency where unset)
  double bottleneck_Bps = 0;       ///< smallest bandwidth on the route (edges and backplanes)
};

/// A validated cluster graph. Construct through load_topology() or generate_topology().
class Topology {
 public:
  /// Requires: ids unique, every edge's ends valid and bandwidth/latency sane, every device
  /// connected. Throws: InputError naming `origin` and the offending element.
  Topology(std::string name, std::vector<Vertex> vertices, std::vector<Edge> edges, bool gpu_peer_to_peer,
           std::string origin);

  const std::string& name() const { return name_; }
  const std::string& origin() const { return origin_; }  ///< file path or generator spec
  const std::vector<Vertex>& vertices() const { return vertices_; }
  const std::vector<Edge>& edges() const { return edges_; }
  /// false: GPU-to-GPU traffic is staged through host memory (GeForce cards without P2P).
  bool gpu_peer_to_peer() const { return gpu_peer_to_peer_; }

  /// Vertex indices of the devices that run ranks (gpu and cpu_rank vertices), in the order
  /// the file or generator lists them.
  const std::vector<int>& devices() const { return devices_; }
  /// Index of the vertex with this id, or -1.
  int find(const std::string& id) const;

  /// The cpu vertex nearest to `device` (lowest route latency, then fewest hops, then lowest
  /// index): whose host memory the device copies to and from. -1 when no cpu is reachable.
  int nearest_cpu(int device) const;
  /// The disk whose nearest cpu is `device`'s nearest cpu (the lowest index if several): the
  /// drive the device's offloaded data can live on. -1 when there is none.
  int nearest_disk(int device) const;

  /// The route from endpoint `from` to endpoint `to` (vertex indices): lowest total latency,
  /// then fewest hops; endpoints never forward traffic; without GPU peer-to-peer, GPU-to-GPU
  /// traffic goes to the nearest cpu vertex and back down, and traffic between a disk and any
  /// endpoint but a cpu is staged in the host memory of the disk's nearest cpu. Requires: both
  /// are endpoints.
  Route route(int from, int to) const;
  /// route(from, t) for every t in `to`, from one shortest-path search: cheaper than one call
  /// per destination when a source talks to several peers.
  std::vector<Route> routes_from(int from, const std::vector<int>& to) const;

 private:
  std::string name_;
  std::vector<Vertex> vertices_;
  std::vector<Edge> edges_;
  bool gpu_peer_to_peer_ = true;
  std::string origin_;
  std::vector<int> devices_;
  struct Routing;  // the directed arc graph route() searches, built once by the constructor
  std::shared_ptr<const Routing> routing_;
};

/// Reads a GraphML (.graphml) or Graphviz DOT (.dot, .gv) file with Boost.Graph.
/// The attribute set is documented in topologies/README.md. Throws: InputError with the file,
/// the element id and the reason (unknown attribute, missing or non-positive bandwidth,
/// duplicate id, unconnected device, unknown kind or class).
Topology load_topology(const std::string& path);

/// Builds a topology from a generator name and its parameters, e.g.
/// generate_topology("dgx_h100_cluster", {{"nodes", 16}}).
/// Generators: dgx_h100_cluster(nodes 1..128), mi300x_node(nodes 1..16), rtx4090_box(gpus 2|4|8),
/// cpu_host(ranks 1..64), emulated_cluster(nodes 2..8, ranks_per_node 1..8, inter_node_Gbps > 0).
/// Throws: InputError for an unknown generator, an unknown or out-of-range parameter.
Topology generate_topology(const std::string& generator, const std::vector<std::pair<std::string, double>>& params);

/// Names of the generators and of their parameters, for --help and error notes.
std::vector<std::string> generator_names();

/// "file or generator": a path to a graph file, or `generator[:key=value,...]`.
Topology topology_from_spec(const std::string& spec);

}  // namespace clustersim::topo
