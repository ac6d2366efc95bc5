// SPDX-License-Identifier: Apache-2.0
// `clustersim collective`: one collective, swept over sizes as nccl-tests sweeps it
// (`-b` minimum, `-e` maximum, `-f` factor), each size simulated on its own on the topology's
// first `ranks` GPUs with the library model of `settings`.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "schemas/collective_sweep.hpp"
#include "schemas/nccl_tests_log.hpp"
#include "sim/collective_settings.hpp"

namespace clustersim::pipelines {

struct CollectiveSweepRequest {
  results::CollectiveTest test = results::CollectiveTest::all_reduce;
  std::string topology = "dgx_h100_cluster";  ///< a spec topo::topology_from_spec reads
  int ranks = 0;                              ///< the first `ranks` GPUs; 0: all of them
  std::int64_t min_bytes = 8;
  std::int64_t max_bytes = std::int64_t{128} << 20;
  std::int64_t factor = 2;
  results::DataType data_type;    ///< float
  std::string reduction = "sum";  ///< a label: every reduction moves the same bytes
  sim::CollectiveSettings settings;
  /// Called after each size with (done, total).
  std::function<void(int, int)> on_size_done;
};

/// The sizes nccl-tests visits: min, min*factor, ... up to max. Throws: std::invalid_argument for
/// min < 1, max < min or factor < 2.
std::vector<std::int64_t> sweep_sizes(std::int64_t min_bytes, std::int64_t max_bytes, std::int64_t factor);

/// Simulates every size. Throws: InputError for an unknown topology or too few GPUs in it.
results::CollectiveSweep run_collective_sweep(const CollectiveSweepRequest& request);

/// Simulates the sizes and type of a measured nccl-tests log with the request's operation on its
/// topology, with as many ranks as the log lists devices (or the request's when it lists none),
/// and compares the times. Throws: InputError (at the log's line) for a type clustersim does not
/// know, a count that does not match the operation's split, or more ranks than the topology has.
results::CollectiveComparison compare_with_nccl_tests(const results::NcclTestsLog& log,
                                                      const CollectiveSweepRequest& request);

}  // namespace clustersim::pipelines
