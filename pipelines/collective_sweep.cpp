// SPDX-License-Identifier: Apache-2.0
// Each size is one TaskGraph holding one collective over ranks 0..n-1, simulated from scratch:
// the time is when the last rank finished it, as nccl-tests reports the slowest rank's.
#include "pipelines/collective_sweep.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "build_config.hpp"
#include "common/input_error.hpp"
#include "common/interrupt.hpp"
#include "model/device_profile.hpp"
#include "model/task_graph.hpp"
#include "sim/simulate.hpp"
#include "topologies/topology.hpp"

namespace clustersim::pipelines {
namespace {

using results::CollectiveTest;

/// The collective nccl-tests' program calls, over ranks 0..n-1 (root 0), moving `counts`.
model::TaskGraph graph_of(CollectiveTest test, const results::SizeCounts& counts, int ranks) {
  std::vector<int> all(ranks);
  for (int r = 0; r < ranks; ++r) all[r] = r;
  const auto bytes = static_cast<double>(counts.size_bytes());
  model::TaskGraph g;
  switch (test) {
    case CollectiveTest::all_reduce: g.allreduce("all_reduce", all, bytes, model::ReduceOp::sum); break;
    case CollectiveTest::all_gather: g.allgather("all_gather", all, bytes); break;
    case CollectiveTest::reduce_scatter: g.reduce_scatter("reduce_scatter", all, bytes, model::ReduceOp::sum); break;
    case CollectiveTest::broadcast: g.broadcast("broadcast", all, 0, bytes); break;
    case CollectiveTest::reduce: g.reduce("reduce", all, 0, bytes, model::ReduceOp::sum); break;
    case CollectiveTest::sendrecv: g.shift("sendrecv", all, bytes); break;  // to rank+1, from rank-1
  }
  return g;
}

bool rooted(CollectiveTest test) { return test == CollectiveTest::broadcast || test == CollectiveTest::reduce; }
bool reduces(CollectiveTest test) {
  return test == CollectiveTest::all_reduce || test == CollectiveTest::reduce_scatter || test == CollectiveTest::reduce;
}

}  // namespace

std::vector<std::int64_t> sweep_sizes(std::int64_t min_bytes, std::int64_t max_bytes, std::int64_t factor) {
  if (min_bytes < 1 || max_bytes < min_bytes)
    throw std::invalid_argument(
        fmt::format("sizes from {} to {} B: the minimum must be at least 1 and at most the "
                    "maximum",
                    min_bytes, max_bytes));
  if (factor < 2) throw std::invalid_argument(fmt::format("a size factor of {}: it must be at least 2", factor));
  std::vector<std::int64_t> sizes;
  for (std::int64_t size = min_bytes; size <= max_bytes; size *= factor) {
    sizes.push_back(size);
    if (size > max_bytes / factor) break;  // the next would pass max_bytes (or overflow)
  }
  return sizes;
}

results::CollectiveSweep run_collective_sweep(const CollectiveSweepRequest& request) {
  const std::vector<std::int64_t> sizes = sweep_sizes(request.min_bytes, request.max_bytes, request.factor);
  const topo::Topology topology = topo::topology_from_spec(request.topology);
  const int available = static_cast<int>(topology.devices().size());
  const int ranks = request.ranks > 0 ? request.ranks : available;
  if (ranks > available)
    throw InputError({}, "--gpus",
                     fmt::format("{} ranks asked for, but {} has {} devices", ranks, request.topology, available));
  if (ranks < 2) throw InputError({}, "--gpus", fmt::format("a collective needs at least 2 ranks, not {}", ranks));
  const std::vector<int> gpus(topology.devices().begin(), topology.devices().begin() + ranks);
  const model::DeviceProfile no_kernels{.name = "none"};  // the graphs hold no kernel: no figure is read

  results::CollectiveSweep sweep{.tool_version = CLUSTERSIM_VERSION,
                                 .test = request.test,
                                 .topology = request.topology,
                                 .ranks = ranks,
                                 .data_type = request.data_type.name,
                                 .reduction = reduces(request.test) ? request.reduction : "none",
                                 .root = rooted(request.test) ? 0 : -1,
                                 .library = sim::to_string(request.settings.library)};
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    throw_if_interrupted();
    const results::SizeCounts counts = results::size_counts(request.test, sizes[i], request.data_type.bytes, ranks);
    results::CollectiveRow row{.counts = counts};
    if (counts.count > 0) {  // nccl-tests prints a size too small to split with a time of 0
      const sim::SimulationResult r = sim::simulate(
          graph_of(request.test, counts, ranks),
          {.topology = &topology, .gpu_of_rank = gpus, .device = &no_kernels, .collectives = request.settings});
      row.time_s = r.latency_s;
      row.algbw_Bps = results::algorithm_bandwidth(counts, r.latency_s);
      row.busbw_Bps = row.algbw_Bps * results::bus_factor(request.test, ranks);
      if (!r.collectives.empty()) {
        row.algorithm = r.collectives.front().algorithm;
        row.protocol = r.collectives.front().protocol == "none" ? "" : r.collectives.front().protocol;
      } else {
        row.algorithm = "p2p";
      }
    }
    sweep.rows.push_back(row);
    if (request.on_size_done) request.on_size_done(static_cast<int>(i + 1), static_cast<int>(sizes.size()));
  }
  return sweep;
}

}  // namespace clustersim::pipelines
