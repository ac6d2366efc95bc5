// SPDX-License-Identifier: Apache-2.0
// Small hand-built inputs for tests: a star of GPUs around one switch, and a device profile
// with round figures, so that expected times can be derived by hand.
#pragma once

#include <string>
#include <vector>

#include <fmt/format.h>

#include "model/device_profile.hpp"
#include "topologies/topology.hpp"

namespace clustersim::testing {

/// n GPUs (`gpu0`…; or CPU ranks, by `device_kind`), each joined to switch `sw` by one
/// full-duplex edge of `bandwidth_Bps` per direction and `latency_s`. Every device is node `n0`
/// unless `gpus_per_node` splits them.
inline topo::Topology star(int n, double bandwidth_Bps, double latency_s,
                           topo::LinkClass link_class = topo::LinkClass::nvlink, int gpus_per_node = 0,
                           topo::VertexKind device_kind = topo::VertexKind::gpu) {
  std::vector<topo::Vertex> vertices;
  std::vector<topo::Edge> edges;
  for (int i = 0; i < n; ++i) {
    const int node = gpus_per_node > 0 ? i / gpus_per_node : 0;
    vertices.push_back(
        {.id = fmt::format("gpu{}", i), .kind = device_kind, .node = fmt::format("n{}", node), .source = "test"});
  }
  vertices.push_back({.id = "sw", .kind = topo::VertexKind::nvswitch, .node = "n0", .source = "test"});
  for (int i = 0; i < n; ++i)
    edges.push_back({.a = i,
                     .b = n,
                     .link_class = link_class,
                     .bandwidth_Bps = bandwidth_Bps,
                     .latency_s = latency_s,
                     .source = "test"});
  return topo::Topology(fmt::format("star{}", n), vertices, edges, true, "<test star>");
}

/// 100 TFLOP/s, 1 TB/s HBM, 80 GB, 2 us launch, efficiencies 1: kernel times are easy to derive.
inline model::DeviceProfile round_device() {
  model::DeviceProfile d;
  d.name = "round";
  d.provenance = "datasheet";
  for (auto t : {model::DType::fp32, model::DType::bf16, model::DType::fp16, model::DType::fp8})
    d.dense_flops[t] = {100e12, "test"};
  d.hbm_bandwidth = {1e12, "test"};
  d.memory_capacity = {80e9, "test"};
  d.launch_overhead = {2e-6, "test"};
  d.compute_efficiency = {1.0, "test"};
  d.memory_efficiency = {1.0, "test"};
  return d;
}

}  // namespace clustersim::testing
