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

namespace {

/// The topology and the GPUs the ranks run on.
struct Platform {
  topo::Topology topology;
  std::vector<int> gpus;
};

Platform platform_of(const std::string& spec, int ranks_asked) {
  Platform p{topo::topology_from_spec(spec), {}};
  const int available = static_cast<int>(p.topology.devices().size());
  const int ranks = ranks_asked > 0 ? ranks_asked : available;
  if (ranks > available)
    throw InputError({}, "--gpus", fmt::format("{} ranks asked for, but {} has {} devices", ranks, spec, available));
  if (ranks < 2) throw InputError({}, "--gpus", fmt::format("a collective needs at least 2 ranks, not {}", ranks));
  p.gpus.assign(p.topology.devices().begin(), p.topology.devices().begin() + ranks);
  return p;
}

/// One size simulated: the row with its time, bandwidths and the library's choice.
results::CollectiveRow simulate_size(CollectiveTest test, const results::SizeCounts& counts, const Platform& platform,
                                     const sim::CollectiveSettings& settings) {
  static const model::DeviceProfile no_kernels{.name = "none"};  // the graphs hold no kernel: no figure is read
  const int ranks = static_cast<int>(platform.gpus.size());
  results::CollectiveRow row{.counts = counts};
  if (counts.count == 0) return row;  // nccl-tests prints a size too small to split with a time of 0
  const sim::SimulationResult r = sim::simulate(
      graph_of(test, counts, ranks),
      {.topology = &platform.topology, .gpu_of_rank = platform.gpus, .device = &no_kernels, .collectives = settings});
  row.time_s = r.latency_s;
  row.algbw_Bps = results::algorithm_bandwidth(counts, r.latency_s);
  row.busbw_Bps = row.algbw_Bps * results::bus_factor(test, ranks);
  row.algorithm = r.collectives.empty() ? "p2p" : r.collectives.front().algorithm;
  if (!r.collectives.empty() && r.collectives.front().protocol != "none") row.protocol = r.collectives.front().protocol;
  return row;
}

}  // namespace

results::CollectiveSweep run_collective_sweep(const CollectiveSweepRequest& request) {
  const std::vector<std::int64_t> sizes = sweep_sizes(request.min_bytes, request.max_bytes, request.factor);
  const Platform platform = platform_of(request.topology, request.ranks);
  const int ranks = static_cast<int>(platform.gpus.size());
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
    const auto counts = results::size_counts(request.test, sizes[i], request.data_type.bytes, ranks);
    sweep.rows.push_back(simulate_size(request.test, counts, platform, request.settings));
    if (request.on_size_done) request.on_size_done(static_cast<int>(i + 1), static_cast<int>(sizes.size()));
  }
  return sweep;
}

results::CollectiveComparison compare_with_nccl_tests(const results::NcclTestsLog& log,
                                                      const CollectiveSweepRequest& request) {
  const int ranks_asked = log.devices.empty() ? request.ranks : static_cast<int>(log.devices.size());
  const Platform platform = platform_of(request.topology, ranks_asked);
  const int ranks = static_cast<int>(platform.gpus.size());
  std::string devices;
  if (!log.devices.empty()) devices = fmt::format("{} x {}", log.devices.size(), log.devices.front());
  results::CollectiveComparison comparison{.tool_version = CLUSTERSIM_VERSION,
                                           .log = log.origin,
                                           .log_version = log.version,
                                           .devices = devices,
                                           .test = request.test,
                                           .topology = request.topology,
                                           .ranks = ranks,
                                           .data_type = log.rows.front().type,
                                           .library = sim::to_string(request.settings.library)};
  for (std::size_t i = 0; i < log.rows.size(); ++i) {
    throw_if_interrupted();
    const results::NcclTestsRow& measured = log.rows[i];
    const SourceMark at{log.origin, measured.line, 1};
    const auto type = results::data_type_from_string(measured.type);
    if (!type)
      throw InputError(at, "type", fmt::format("unknown data type '{}'", measured.type),
                       fmt::format("nccl-tests' types: {}", fmt::join(results::data_type_names(), ", ")));
    const auto counts = results::size_counts(request.test, measured.size_bytes, type->bytes, ranks);
    if (counts.size_bytes() != measured.size_bytes || counts.count != measured.count)
      throw InputError(at, "count",
                       fmt::format("{} B of {} is {} elements in {} over {} ranks, but the log says {}: is it another "
                                   "operation or rank count?",
                                   measured.size_bytes, measured.type, counts.count, to_string(request.test), ranks,
                                   measured.count));
    if (measured.time_s <= 0) continue;
    const results::CollectiveRow predicted = simulate_size(request.test, counts, platform, request.settings);
    comparison.rows.push_back({.size_bytes = measured.size_bytes,
                               .log_line = measured.line,
                               .measured_time_s = measured.time_s,
                               .predicted_time_s = predicted.time_s,
                               .measured_busbw_Bps = measured.busbw_Bps,
                               .predicted_busbw_Bps = predicted.busbw_Bps,
                               .algorithm = predicted.algorithm,
                               .protocol = predicted.protocol});
    if (request.on_size_done) request.on_size_done(static_cast<int>(i + 1), static_cast<int>(log.rows.size()));
  }
  return comparison;
}

}  // namespace clustersim::pipelines
