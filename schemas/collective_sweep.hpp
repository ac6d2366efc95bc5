// SPDX-License-Identifier: Apache-2.0
// A collective swept over message sizes, as nccl-tests runs one (`all_reduce_perf -b 8 -e 128M
// -f 2`): per size the bytes and element count nccl-tests prints, the time, and the algorithm and
// bus bandwidths by nccl-tests' definitions (its README's "Performance" section and each
// src/<collective>.cu's GetBw: busbw = algbw x a factor that makes it comparable with the link's
// speed whatever the rank count). Written as collective.json and collective.csv.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace clustersim::results {

/// The operations nccl-tests times, each one of its `<name>_perf` programs.
enum class CollectiveTest { all_reduce, all_gather, reduce_scatter, broadcast, reduce, sendrecv };

/// "all_reduce", ..., as nccl-tests names its programs without `_perf`.
const char* to_string(CollectiveTest test);
std::optional<CollectiveTest> collective_test_from_string(const std::string& text);
std::vector<std::string> collective_test_names();

/// nccl-tests' data types (`-d`): its name and size in bytes.
struct DataType {
  std::string name = "float";  ///< int8, uint8, int32, uint32, int64, uint64, half, float, double, bfloat16
  int bytes = 4;
};
std::optional<DataType> data_type_from_string(const std::string& text);
std::vector<std::string> data_type_names();

/// What nccl-tests does with a requested size: `count` elements of the type are asked for, split
/// as the operation needs (whole elements per rank for all_gather and reduce_scatter).
struct SizeCounts {
  std::int64_t send_bytes = 0;  ///< what each rank sends in (all_gather: its slice)
  std::int64_t recv_bytes = 0;  ///< what each rank ends with (reduce_scatter: its slice)
  std::int64_t count = 0;       ///< the `count` column: elements per rank's call argument
  /// The `size` column: the larger of send_bytes and recv_bytes (the whole buffer).
  std::int64_t size_bytes() const { return send_bytes > recv_bytes ? send_bytes : recv_bytes; }
};
SizeCounts size_counts(CollectiveTest test, std::int64_t requested_bytes, int type_bytes, int ranks);

/// busbw / algbw: 2(n-1)/n for all_reduce, (n-1)/n for all_gather and reduce_scatter, 1 for
/// broadcast, reduce and sendrecv.
double bus_factor(CollectiveTest test, int ranks);

/// algbw in bytes per second: the whole buffer (SizeCounts::size_bytes) over the time.
double algorithm_bandwidth(const SizeCounts& counts, double seconds);

struct CollectiveRow {
  SizeCounts counts;
  double time_s = 0;
  double algbw_Bps = 0;
  double busbw_Bps = 0;
  std::string algorithm;  ///< what the simulated library chose, e.g. ring
  std::string protocol;   ///< e.g. LL128; empty for MPI
};

/// "clustersim.collective/1".
extern const char* const kCollectiveSchema;

struct CollectiveSweep {
  std::string schema = kCollectiveSchema;
  std::string tool_version;
  CollectiveTest test = CollectiveTest::all_reduce;
  std::string topology;  ///< spec or file
  int ranks = 0;
  std::string data_type = "float";
  std::string reduction = "sum";  ///< none for the operations without one
  int root = -1;                  ///< broadcast and reduce: 0; the others -1
  std::string library;            ///< nccl or mpi
  std::vector<CollectiveRow> rows;

  /// nccl-tests' "Avg bus bandwidth": the mean busbw over the sizes, in bytes per second.
  double average_busbw_Bps() const;
};

std::string to_json_text(const CollectiveSweep& sweep);
std::string to_csv(const CollectiveSweep& sweep);

/// One size of a measured nccl-tests log against its simulation (out-of-place).
struct CollectiveComparisonRow {
  std::int64_t size_bytes = 0;
  int log_line = 0;
  double measured_time_s = 0;
  double predicted_time_s = 0;
  double measured_busbw_Bps = 0;
  double predicted_busbw_Bps = 0;
  std::string algorithm;
  std::string protocol;
  /// results::error_percent of the time.
  double time_error_percent() const;
};

/// "clustersim.collective_comparison/1".
extern const char* const kCollectiveComparisonSchema;

struct CollectiveComparison {
  std::string schema = kCollectiveComparisonSchema;
  std::string tool_version;
  std::string log;          ///< the log's path
  std::string log_version;  ///< what the log says of nccl-tests and NCCL
  std::string devices;      ///< the log's devices, e.g. "8 x NVIDIA H100 80GB HBM3"
  CollectiveTest test = CollectiveTest::all_reduce;
  std::string topology;
  int ranks = 0;
  std::string data_type;
  std::string library;
  std::vector<CollectiveComparisonRow> rows;  ///< sizes with a measured time > 0

  double median_abs_time_error_percent() const;
  double max_abs_time_error_percent() const;
};

std::string to_json_text(const CollectiveComparison& comparison);
std::string to_csv(const CollectiveComparison& comparison);

}  // namespace clustersim::results
