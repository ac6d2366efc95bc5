// SPDX-License-Identifier: Apache-2.0
// The simulator's public entry point: run one TaskGraph on a Topology with SimGrid and report
// when every device finished, what it spent its time on, and what each link carried.
//
// Example:
//   auto topology = topo::generate_topology("dgx_h100_cluster", {{"nodes", 1}});
//   auto plan = model::plan_decode({.name = "tree"}, shape, placement);
//   auto result = sim::simulate(plan.graph, {.topology = &topology, .gpu_of_rank = topology.devices(),
//                                            .device = &profile, .dtype = shape.dtype});
//   fmt::print("{} s\n", result.latency_s);
#pragma once

#include <map>
#include <string>
#include <vector>

#include "model/device_profile.hpp"
#include "model/strategy.hpp"
#include "model/task_graph.hpp"
#include "sim/collective_settings.hpp"
#include "topologies/topology.hpp"

namespace clustersim::sim {

struct SimulationInput {
  const topo::Topology* topology = nullptr;
  std::vector<int> gpu_of_rank;                  ///< topology vertex of each rank; distinct devices (gpu or cpu_rank)
  model::Placement placement;                    ///< node of each rank; empty: model::placement_on(gpu_of_rank)
  const model::DeviceProfile* device = nullptr;  ///< every GPU's profile
  model::DType dtype = model::DType::bf16;       ///< compute dtype of the kernels
  CollectiveSettings collectives;
  bool record_timeline = false;  ///< keep every interval (large for big runs)
};

/// One thing a device did: a kernel, a message leg or a collective.
struct Interval {
  std::string kind;  ///< compute, send, recv, collective, launch
  int op = 0;        ///< index of the TaskGraph op
  double start_s = 0;
  double end_s = 0;
  double bytes = 0;  ///< payload bytes (0 for compute)
};

/// Where a device's time went. compute + exposed_comm + idle = the case's latency.
struct DeviceTimes {
  double finish_s = 0;
  double compute_s = 0;       ///< time with a kernel running
  double comm_s = 0;          ///< time with communication in progress (overlapped or not)
  double exposed_comm_s = 0;  ///< communication time with no kernel running
  double idle_s = 0;          ///< neither, up to the case's end
  double bytes_sent = 0;      ///< payload bytes this device sent
  /// Kernel time by the ops' category (`attention`, `dense`, or `other` when unnamed).
  std::map<std::string, double> compute_s_by_category;
};

struct LinkTraffic {
  std::string link;        ///< `a--b` from the topology, or `vertex:backplane`
  std::string link_class;  ///< nvlink, pcie, ..., or backplane
  double bytes = 0;        ///< bytes on the wire, both directions
};

/// The algorithm and protocol a collective op ran with.
struct CollectiveRun {
  std::string op;
  std::string kind;
  std::string algorithm;
  std::string protocol;
  int ranks = 0;
  double bytes = 0;
  double estimate_s = 0;  ///< the tuner's closed-form estimate
};

struct SimulationResult {
  double latency_s = 0;  ///< when the last device finished
  std::vector<DeviceTimes> devices;
  std::vector<LinkTraffic> links;  ///< links that carried traffic, in topology order
  std::map<std::string, double> link_bytes_by_class;
  std::vector<CollectiveRun> collectives;
  std::vector<std::vector<Interval>> timeline;  ///< per rank, if recorded
  std::vector<double> op_end_s;                 ///< per TaskGraph op: when its last part ended on any rank
  /// Peak resident memory of the process that ran the simulation, for benchmarks. It varies
  /// from run to run and is not part of the results files.
  double engine_peak_rss_bytes = 0;
};

/// Simulates `graph` on the platform built from `input.topology`. Runs SimGrid in a child
/// process (SimGrid allows one engine per process), so it can be called any number of times.
/// Requires: one GPU per rank used by the graph. Throws: std::invalid_argument for a bad input,
/// std::runtime_error if the simulation fails.
SimulationResult simulate(const model::TaskGraph& graph, const SimulationInput& input);

}  // namespace clustersim::sim
