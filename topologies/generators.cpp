// SPDX-License-Identifier: Apache-2.0
// Topology generators: DGX H100 clusters on a rail-optimised InfiniBand fabric, MI300X nodes on
// RoCE, PCIe boxes of RTX 4090s without peer-to-peer, and CPU ranks (MPI processes) on one host
// or on an emulated cluster of containers joined by a tc-shaped ethernet. Every figure carries a `source` string
// citing the datasheet, paper or code it comes from (topologies/README.md lists them);
// figures we had to pick ourselves say "assumption:". Devices are listed first, in rank order.
//
//   node k:  gpu g --nvlink/xgmi-- [nvswitch | other gpus]        rail g fabric:
//            gpu g --pcie-- pcie_sw g --pcie-- nic g --ib/roce-- rail<g>_leaf<k/32> --bundle-- spine
//                           pcie_sw g --pcie-- cpu (g/4)
#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "common/data_path.hpp"
#include "common/input_error.hpp"
#include "topologies/topology.hpp"

namespace clustersim::topo {
namespace {

/// A link technology as generators place it: class, per-direction bandwidth, hop latency.
struct LinkFigure {
  LinkClass link_class;
  double bandwidth_Bps;
  double latency_s;
  Duplex duplex = Duplex::full;
};

constexpr LinkFigure kH100Nvlink{LinkClass::nvlink, 450e9, 0.3e-6};
constexpr const char* kH100NvlinkSource =
    "H100 SXM5 NVLink4: 18 links x 25 GB/s = 450 GB/s per direction, 900 GB/s bidirectional "
    "(glennklockwood.com/garden/processors/h100); latency assumption: 0.3 us per hop, half of NCCL's "
    "NVLink LL step latency (0.6 us GPU to GPU through the switch; NVIDIA/nccl v2.28.9-1 "
    "src/graph/tuning.cc hwLat)";
constexpr LinkFigure kMi300xXgmi{LinkClass::xgmi, 64e9, 0.6e-6};
constexpr const char* kMi300xXgmiSource =
    "MI300X xGMI: 7 links per GPU in a fully connected 8-GPU platform, 64 GB/s per link per direction "
    "raw, ~48 GB/s usable (ROCm blog 'Understanding RCCL Bandwidth and xGMI Performance on AMD Instinct "
    "MI300X', 2025-03-02; rccl#1210); latency assumption: 0.6 us per direct hop, NCCL's NVLink-class "
    "LL step latency (tuning.cc hwLat), as no xGMI latency figure was found";
constexpr LinkFigure kPcieGen5{LinkClass::pcie, 64e9, 0.25e-6};
constexpr LinkFigure kPcieGen4{LinkClass::pcie, 31.5e9, 0.25e-6};
constexpr const char* kPcieHopLatency =
    "latency assumption: 0.25 us per PCIe hop, a quarter of NCCL's PCI LL step latency (1.0 us, "
    "tuning.cc hwLat) for a GPU-switch-CPU-switch-GPU path";
constexpr const char* kH100PcieSource =
    "PCIe 5.0 x16: 32 GT/s x 16 lanes = 64 GB/s per direction raw, '128 GB/s' bidirectional "
    "(glennklockwood.com/garden/processors/h100); NCCL models 48 GB/s (topo.cc)";
constexpr const char* kMi300xPcieSource =
    "MI300X host link PCIe 5.0 x16 (gpu.blog MI300X): 32 GT/s x 16 lanes = 64 GB/s per direction raw";
constexpr const char* kRtx4090PcieSource =
    "PCIe 4.0 x16: 16 GT/s x 16 lanes x 128/130 / 8 = 31.5 GB/s per direction raw; NCCL models "
    "24 GB/s effective (nccl-tests#307 logs 'PCI[24.0]')";
constexpr LinkFigure kPcieGen4x4{LinkClass::pcie, 7.88e9, 0.25e-6};
constexpr const char* kNvmeLinkSource =
    "PCIe 4.0 x4 (an M.2 NVMe slot): 16 GT/s x 4 lanes x 128/130 / 8 = 7.88 GB/s per direction raw";
constexpr const char* kNvmeSource =
    "assumption: one PCIe 4.0 NVMe SSD on the CPU's root complex, 7 GB/s sequential read (the class rating "
    "of PCIe 4.0 drives; read and write share it) and 2 TB; measure a real drive with clustersim calibrate";
constexpr double kNic_Bps = 50e9;  // 400 Gb/s
constexpr double kNetHop_s = 1e-6;
constexpr const char* kNetHopLatency =
    "latency assumption: 1 us per network hop (NIC, cable, switch port), so a NIC-leaf-NIC step "
    "costs 2 us, below NCCL's NET LL step latency that also covers software (2.7 us, tuning.cc hwLat)";
constexpr const char* kNdrSource =
    "ConnectX-7 NDR InfiniBand 400 Gb/s = 50 GB/s per direction; DGX H100 has 8 single-port ConnectX-7 "
    "for compute (docs.nvidia.com/dgx-basepod/.../core-components.html; nccl-tests#290)";
constexpr const char* kRoceSource =
    "assumption: one 400 Gb/s RoCE NIC per GPU = 50 GB/s per direction, as in 8x400G RoCE clusters "
    "(nccl#1221)";
constexpr const char* kLeafSource =
    "assumption: rail-optimised leaf = a 64-port 400 Gb/s switch, 32 ports down to 32 nodes and 32 up";
constexpr const char* kSpineSource =
    "assumption: the spine layer is one non-blocking switch, standing for enough spines under "
    "perfect ECMP; each leaf's 32 uplinks form one 32 x 50 GB/s bundle";
constexpr int kNodesPerLeaf = 32;

/// Vertices and edges under construction, addressed by id.
class Net {
 public:
  void add(const std::string& id, VertexKind kind, const std::string& node, const std::string& source,
           double backplane_Bps = 0, double memory_capacity_B = 0) {
    index_.emplace(id, static_cast<int>(vertices_.size()));
    vertices_.push_back(Vertex{id, kind, node, backplane_Bps, source, memory_capacity_B});
  }
  void link(const std::string& a, const std::string& b, const LinkFigure& figure, const std::string& source,
            double bandwidth_Bps = 0) {
    edges_.push_back(Edge{index_.at(a), index_.at(b), figure.link_class,
                          bandwidth_Bps > 0 ? bandwidth_Bps : figure.bandwidth_Bps, figure.latency_s, figure.duplex,
                          source});
  }
  Topology finish(const std::string& spec, bool gpu_peer_to_peer) {
    return Topology(spec, std::move(vertices_), std::move(edges_), gpu_peer_to_peer, spec);
  }

 private:
  std::vector<Vertex> vertices_;
  std::vector<Edge> edges_;
  std::map<std::string, int> index_;
};

std::string with_latency(const char* bandwidth, const char* latency) {
  return fmt::format("{}; {}", bandwidth, latency);
}

/// NIC r of every node on leaf rail<r>_leaf<k/32>; every leaf on the aggregated spine.
void add_rail_fabric(Net& net, int nodes, int rails, LinkClass cls, const char* nic_source) {
  const LinkFigure nic_link{cls, kNic_Bps, kNetHop_s};
  const int leafs_per_rail = (nodes + kNodesPerLeaf - 1) / kNodesPerLeaf;
  for (int r = 0; r < rails; ++r)
    for (int l = 0; l < leafs_per_rail; ++l)
      net.add(fmt::format("rail{}_leaf{}", r, l), VertexKind::network_switch, "fabric", kLeafSource);
  net.add("spine", VertexKind::network_switch, "fabric", kSpineSource);
  const std::string nic_edge = with_latency(nic_source, kNetHopLatency);
  for (int k = 0; k < nodes; ++k)
    for (int r = 0; r < rails; ++r)
      net.link(fmt::format("n{}_nic{}", k, r), fmt::format("rail{}_leaf{}", r, k / kNodesPerLeaf), nic_link, nic_edge);
  const std::string uplink = with_latency(kSpineSource, kNetHopLatency);
  for (int r = 0; r < rails; ++r)
    for (int l = 0; l < leafs_per_rail; ++l)
      net.link(fmt::format("rail{}_leaf{}", r, l), "spine", nic_link, uplink, kNodesPerLeaf * nic_link.bandwidth_Bps);
}

/// Per GPU: a PCIe switch pairing it with its rail NIC, uplinked to the GPU's socket.
void add_pcie_and_nics(Net& net, int k, const char* pcie_source, const char* nic_source) {
  const std::string node = fmt::format("n{}", k);
  const std::string link = with_latency(pcie_source, kPcieHopLatency);
  for (int g = 0; g < 8; ++g) {
    const std::string sw = fmt::format("n{}_pcie_sw{}", k, g), nic = fmt::format("n{}_nic{}", k, g);
    net.add(sw, VertexKind::pcie_switch, node,
            "assumption: one PCIe 5.0 switch per GPU+NIC pair; the vendor's exact switch layout is not modelled");
    net.add(nic, VertexKind::nic, node, nic_source);
    net.link(fmt::format("n{}_gpu{}", k, g), sw, kPcieGen5, link);
    net.link(sw, nic, kPcieGen5, link);
    net.link(sw, fmt::format("n{}_cpu{}", k, g / 4), kPcieGen5, link);
  }
}

Topology dgx_h100_cluster(int nodes, const std::string& spec) {
  Net net;
  for (int k = 0; k < nodes; ++k)
    for (int g = 0; g < 8; ++g)
      net.add(fmt::format("n{}_gpu{}", k, g), VertexKind::gpu, fmt::format("n{}", k),
              "H100 SXM5 80 GB, 8 per DGX H100 (docs.nvidia.com/dgx-basepod/.../core-components.html)");
  for (int k = 0; k < nodes; ++k) {
    const std::string node = fmt::format("n{}", k), nvswitch = fmt::format("n{}_nvswitch", k);
    net.add(nvswitch, VertexKind::nvswitch, node,
            "DGX H100: 4 third-generation NVSwitch chips, modelled as one non-blocking switch (NVIDIA blog "
            "'Upgrading Multi-GPU Interconnectivity with the Third-Generation NVSwitch')");
    for (int c = 0; c < 2; ++c)
      net.add(fmt::format("n{}_cpu{}", k, c), VertexKind::cpu, node,
              "Xeon Platinum 8480C, 2 per DGX H100 (DGX BasePOD core components): 8 channels DDR5-4800 x 8 B = "
              "307.2 GB/s per socket peak; GPUs 0-3 on socket 0, 4-7 on socket 1; 2 TB DDR5 per DGX H100 "
              "(same source), 1 TB per socket",
              307.2e9, 1e12);
    for (int g = 0; g < 8; ++g) net.link(fmt::format("n{}_gpu{}", k, g), nvswitch, kH100Nvlink, kH100NvlinkSource);
    add_pcie_and_nics(net, k, kH100PcieSource, kNdrSource);
  }
  add_rail_fabric(net, nodes, 8, LinkClass::infiniband, kNdrSource);
  return net.finish(spec, true);
}

Topology mi300x_node(int nodes, const std::string& spec) {
  Net net;
  for (int k = 0; k < nodes; ++k)
    for (int g = 0; g < 8; ++g)
      net.add(fmt::format("n{}_gpu{}", k, g), VertexKind::gpu, fmt::format("n{}", k),
              "AMD Instinct MI300X OAM, 8 per platform, fully connected by xGMI (ROCm blog, 2025-03-02)");
  for (int k = 0; k < nodes; ++k) {
    for (int c = 0; c < 2; ++c)
      net.add(fmt::format("n{}_cpu{}", k, c), VertexKind::cpu, fmt::format("n{}", k),
              "AMD EPYC 9004 (Genoa): 12 channels DDR5-4800 x 8 B = 460.8 GB/s per socket peak (tomshardware); "
              "assumption: dual-socket host, GPUs 0-3 on socket 0, 4-7 on socket 1, 1.5 TB of host memory per "
              "socket (12 x 128 GB DIMMs)",
              460.8e9, 1.536e12);
    for (int a = 0; a < 8; ++a)
      for (int b = a + 1; b < 8; ++b)
        net.link(fmt::format("n{}_gpu{}", k, a), fmt::format("n{}_gpu{}", k, b), kMi300xXgmi, kMi300xXgmiSource);
    add_pcie_and_nics(net, k, kMi300xPcieSource, kRoceSource);
  }
  add_rail_fabric(net, nodes, 8, LinkClass::roce, kRoceSource);
  return net.finish(spec, true);
}

//   2 GPUs: gpu0, gpu1 -- cpu0            (x16 each straight to the root complex)
//   4 GPUs: gpu0..3 -- pcie_sw0 -- cpu0   (one x16 uplink)
//   8 GPUs: gpu0..3 -- pcie_sw0 -- cpu0 -- pcie_sw1 -- gpu4..7
//   and disk0 -- cpu0 (an NVMe SSD on a PCIe 4.0 x4 link)
Topology rtx4090_box(int gpus, const std::string& spec) {
  Net net;
  for (int g = 0; g < gpus; ++g)
    net.add(fmt::format("gpu{}", g), VertexKind::gpu, "n0",
            "GeForce RTX 4090: PCIe 4.0 x16, no NVLink; the driver disables P2P on GeForce 40, so NCCL stages "
            "GPU-to-GPU traffic in host memory (tinygrad/open-gpu-kernel-modules #17, #22; nccl-tests#307)");
  net.add("cpu0", VertexKind::cpu, "n0",
          "assumption: desktop host with dual-channel DDR5-5600, 2 x 5600 MT/s x 8 B = 89.6 GB/s peak for "
          "staging GPU-to-GPU copies in host memory, and 128 GB of it (4 x 32 GB DIMMs)",
          89.6e9, 128e9);
  net.add("disk0", VertexKind::disk, "n0", kNvmeSource, 7e9, 2e12);
  net.link("disk0", "cpu0", kPcieGen4x4, with_latency(kNvmeLinkSource, kPcieHopLatency));
  const std::string link = with_latency(kRtx4090PcieSource, kPcieHopLatency);
  if (gpus == 2) {
    for (int g = 0; g < gpus; ++g) net.link(fmt::format("gpu{}", g), "cpu0", kPcieGen4, link);
    return net.finish(spec, false);
  }
  for (int s = 0; s < gpus / 4; ++s) {
    const std::string sw = fmt::format("pcie_sw{}", s);
    net.add(sw, VertexKind::pcie_switch, "n0",
            "assumption: a PCIe 4.0 switch with 4 GPUs behind one x16 uplink to the CPU");
    for (int g = 4 * s; g < 4 * s + 4; ++g) net.link(fmt::format("gpu{}", g), sw, kPcieGen4, link);
    net.link(sw, "cpu0", kPcieGen4, link);
  }
  return net.finish(spec, false);
}

// Figures for CPU ranks. Nothing here has a datasheet: MPI over shared memory and TCP over a
// tc-shaped veth depend on the host, so every figure is an assumption that a measured
// profile's `links` replaces (clustersim calibrate).
// Half duplex: both directions of a shared-memory transfer are copies through the same DRAM, so
// an exchange (ring attention's rotation on two ranks) shares one bandwidth.
constexpr LinkFigure kSharedMemory{LinkClass::shared_memory, 10e9, 1e-6, Duplex::half};
constexpr const char* kSharedMemorySource =
    "assumption until calibrated: MPI between two processes of one host through shared memory, "
    "10 GB/s shared by both directions (copies through one DRAM) and 1 us per message, round "
    "figures for a single-copy transfer; a measured profile's links.shared_memory replaces them";
constexpr const char* kCpuRankSource =
    "a CPU process used as a device: one MPI rank pinned to a core, its KV shard in host memory";
constexpr double kEthernetHop_s = 20e-6;
constexpr const char* kEthernetLatency =
    "latency assumption until calibrated: 20 us per ethernet hop, so that a message between nodes "
    "(rank -> NIC -> switch -> NIC -> rank: two ethernet hops and two 0.6 us NIC attachments) costs "
    "about 40 us, the order of TCP through the kernel stack on each side; a measured profile's "
    "links.ethernet replaces it";
constexpr LinkFigure kNicAttach{LinkClass::pcie, 1e12, 0.6e-6};
constexpr const char* kNicAttachSource =
    "assumption until calibrated: a rank reaches its node's NIC through the kernel network stack; "
    "1000 GB/s so that it never shapes a flow, and 0.6 us, a small part of a measured end-to-end "
    "TCP latency that still makes two attachments (1.2 us) dearer than a shared-memory message, so "
    "that ranks of one node talk through shared memory rather than through their NIC";

/// One host, `ranks` CPU ranks, every pair joined by one shared_memory edge, so a measured
/// one-hop latency and bandwidth apply to every message directly.
Topology cpu_host(int ranks, const std::string& spec) {
  Net net;
  for (int r = 0; r < ranks; ++r) net.add(fmt::format("rank{}", r), VertexKind::cpu_rank, "n0", kCpuRankSource);
  for (int a = 0; a < ranks; ++a)
    for (int b = a + 1; b < ranks; ++b)
      net.link(fmt::format("rank{}", a), fmt::format("rank{}", b), kSharedMemory, kSharedMemorySource);
  return net.finish(spec, true);
}

/// `nodes` hosts (containers joined by veth pairs) of `ranks_per_node` CPU ranks each: a
/// shared_memory full mesh inside a node, each rank on its node's NIC through a non-limiting
/// edge, each NIC on one switch through an ethernet edge shaped to `inter_node_Gbps` (tc).
Topology emulated_cluster(int nodes, int ranks_per_node, double inter_node_Gbps, const std::string& spec) {
  Net net;
  for (int k = 0; k < nodes; ++k)
    for (int r = 0; r < ranks_per_node; ++r)
      net.add(fmt::format("n{}_rank{}", k, r), VertexKind::cpu_rank, fmt::format("n{}", k), kCpuRankSource);
  net.add("switch", VertexKind::network_switch, "fabric",
          "assumption: the host's bridge joining the containers' veth pairs, non-blocking");
  const LinkFigure ethernet{LinkClass::ethernet, inter_node_Gbps * 1e9 / 8, kEthernetHop_s};
  const std::string ethernet_source = fmt::format("the tc rate given, {} Gb/s = {} GB/s per direction; {}",
                                                  inter_node_Gbps, inter_node_Gbps / 8, kEthernetLatency);
  for (int k = 0; k < nodes; ++k) {
    const std::string node = fmt::format("n{}", k), nic = fmt::format("n{}_nic", k);
    net.add(nic, VertexKind::nic, node, "the container's veth interface");
    for (int a = 0; a < ranks_per_node; ++a) {
      for (int b = a + 1; b < ranks_per_node; ++b)
        net.link(fmt::format("n{}_rank{}", k, a), fmt::format("n{}_rank{}", k, b), kSharedMemory, kSharedMemorySource);
      net.link(fmt::format("n{}_rank{}", k, a), nic, kNicAttach, kNicAttachSource);
    }
    net.link(nic, "switch", ethernet, ethernet_source);
  }
  return net.finish(spec, true);
}

/// One parameter of a generator: an integer in [low, high] (or one of `allowed`), or any
/// number in [low, high] when `integer` is false.
struct Parameter {
  const char* name;
  double fallback;
  double low, high;
  std::vector<int> allowed = {};
  bool integer = true;

  std::string expected() const {
    if (!allowed.empty()) return fmt::format("one of {}", fmt::join(allowed, ", "));
    return integer ? fmt::format("an integer in {}..{}", low, high) : fmt::format("a number in {}..{}", low, high);
  }
  bool accepts(double value) const {
    if (!allowed.empty()) return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
    return value >= low && value <= high && (!integer || value == std::floor(value));
  }
  std::string range() const {
    if (!allowed.empty()) return fmt::format("{}={}", name, fmt::join(allowed, "|"));
    return fmt::format("{}={}..{}", name, low, high);
  }
};

/// The parameter values a generator is built with, in the order it declares them.
using Values = std::vector<double>;

struct Generator {
  const char* name;
  std::vector<Parameter> parameters;
  Topology (*build)(const Values&, const std::string&);
};

const std::vector<Generator>& generators() {
  static const std::vector<Generator> all = {
      {"dgx_h100_cluster",
       {{"nodes", 1, 1, 128}},
       [](const Values& v, const std::string& spec) { return dgx_h100_cluster(static_cast<int>(v[0]), spec); }},
      {"mi300x_node",
       {{"nodes", 1, 1, 16}},
       [](const Values& v, const std::string& spec) { return mi300x_node(static_cast<int>(v[0]), spec); }},
      {"rtx4090_box",
       {{"gpus", 2, 2, 8, {2, 4, 8}}},
       [](const Values& v, const std::string& spec) { return rtx4090_box(static_cast<int>(v[0]), spec); }},
      {"cpu_host",
       {{"ranks", 2, 1, 64}},
       [](const Values& v, const std::string& spec) { return cpu_host(static_cast<int>(v[0]), spec); }},
      {"emulated_cluster",
       {{"nodes", 2, 2, 8}, {"ranks_per_node", 1, 1, 8}, {"inter_node_Gbps", 1, 0.001, 400, {}, false}},
       [](const Values& v, const std::string& spec) {
         return emulated_cluster(static_cast<int>(v[0]), static_cast<int>(v[1]), v[2], spec);
       }},
  };
  return all;
}

std::vector<std::string> bare_generator_names() {
  std::vector<std::string> names;
  for (const Generator& g : generators()) names.push_back(g.name);
  return names;
}

}  // namespace

Topology generate_topology(const std::string& generator, const std::vector<std::pair<std::string, double>>& params) {
  const auto& all = generators();
  const auto found = std::find_if(all.begin(), all.end(), [&](const Generator& g) { return generator == g.name; });
  if (found == all.end())
    throw InputError({}, "topology", fmt::format("unknown topology generator '{}'", generator),
                     suggestion_note(generator, bare_generator_names(), "generators"));
  const Generator& g = *found;
  const std::string element = fmt::format("generator '{}'", g.name);
  std::vector<std::string> names;
  Values values;
  for (const Parameter& p : g.parameters) {
    names.emplace_back(p.name);
    values.push_back(p.fallback);
  }
  std::vector<bool> given(values.size(), false);
  for (const auto& [key, number] : params) {
    const auto at = std::find(names.begin(), names.end(), key);
    if (at == names.end())
      throw InputError({}, element, fmt::format("unknown parameter '{}' for generator '{}'", key, g.name),
                       suggestion_note(key, names, "valid parameters"));
    const std::size_t i = static_cast<std::size_t>(at - names.begin());
    if (given[i]) throw InputError({}, element, fmt::format("parameter '{}' of '{}' is given twice", key, g.name));
    given[i] = true;
    if (!g.parameters[i].accepts(number))
      throw InputError(
          {}, element,
          fmt::format("parameter '{}' of '{}' is {}, expected {}", key, g.name, number, g.parameters[i].expected()));
    values[i] = number;
  }
  std::vector<std::string> canonical;
  for (std::size_t i = 0; i < values.size(); ++i) canonical.push_back(fmt::format("{}={}", names[i], values[i]));
  return g.build(values, fmt::format("{}:{}", g.name, fmt::join(canonical, ",")));
}

std::vector<std::string> generator_names() {
  std::vector<std::string> names;
  for (const Generator& g : generators()) {
    std::vector<std::string> ranges;
    for (const Parameter& p : g.parameters) ranges.push_back(p.range());
    names.push_back(fmt::format("{}:{}", g.name, fmt::join(ranges, ",")));
  }
  return names;
}

Topology topology_from_spec(const std::string& spec) {
  namespace fs = std::filesystem;
  if (fs::is_regular_file(spec)) return load_topology(spec);
  const auto colon = spec.find(':');
  const std::string name = spec.substr(0, colon);
  const auto names = bare_generator_names();
  if (std::find(names.begin(), names.end(), name) != names.end()) {
    std::vector<std::pair<std::string, double>> params;
    std::size_t at = colon == std::string::npos ? spec.size() : colon + 1;
    while (at < spec.size()) {
      const auto comma = std::min(spec.find(',', at), spec.size());
      const std::string item = spec.substr(at, comma - at);
      const auto eq = item.find('=');
      double number = 0;
      const char* text = item.data() + (eq == std::string::npos ? item.size() : eq + 1);
      const auto [end, ec] = std::from_chars(text, item.data() + item.size(), number);
      if (eq == std::string::npos || ec != std::errc() || end != item.data() + item.size())
        throw InputError({}, "topology",
                         fmt::format("malformed generator parameter '{}' in '{}', expected key=number", item, spec),
                         "write generator:key=value,key=value, e.g. dgx_h100_cluster:nodes=4");
      params.emplace_back(item.substr(0, eq), number);
      at = comma + 1;
    }
    return generate_topology(name, params);
  }
  const fs::path shipped = resolve_data_file(spec, "topologies", ".graphml");
  if (fs::is_regular_file(shipped)) return load_topology(shipped.string());
  if (fs::path(spec).has_extension() || spec.find('/') != std::string::npos) return load_topology(spec);
  std::vector<std::string> candidates = names;
  std::error_code ignored;  // no shipped folder: suggest generators only
  for (const auto& entry : fs::directory_iterator(data_root() / "topologies", ignored))
    if (entry.path().extension() == ".graphml") candidates.push_back(entry.path().stem().string());
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  throw InputError({}, "topology",
                   fmt::format("unknown topology '{}': not a file, a shipped topology or a generator", spec),
                   suggestion_note(name, candidates, "generators and shipped topologies"));
}

}  // namespace clustersim::topo
