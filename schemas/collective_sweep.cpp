// SPDX-License-Identifier: Apache-2.0
// The element counts and bandwidths follow nccl-tests (github.com/NVIDIA/nccl-tests): each
// src/<collective>.cu's GetCollByteCount splits the requested count, and its GetBw turns the time
// into algbw (the buffer over the time) and busbw (algbw times the factor its README derives: a
// ring allreduce moves 2(n-1)/n of the buffer over each rank's link, an allgather (n-1)/n).
#include "schemas/collective_sweep.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "schemas/comparison.hpp"
#include "schemas/results.hpp"

namespace clustersim::results {
namespace {

constexpr std::array kTests = {CollectiveTest::all_reduce, CollectiveTest::all_gather, CollectiveTest::reduce_scatter,
                               CollectiveTest::broadcast,  CollectiveTest::reduce,     CollectiveTest::sendrecv};

const DataType kDataTypes[] = {{"int8", 1},   {"uint8", 1}, {"int32", 4}, {"uint32", 4}, {"int64", 8},
                               {"uint64", 8}, {"half", 2},  {"float", 4}, {"double", 8}, {"bfloat16", 2}};

}  // namespace

const char* const kCollectiveSchema = "clustersim.collective/1";

const char* to_string(CollectiveTest test) {
  switch (test) {
    case CollectiveTest::all_reduce: return "all_reduce";
    case CollectiveTest::all_gather: return "all_gather";
    case CollectiveTest::reduce_scatter: return "reduce_scatter";
    case CollectiveTest::broadcast: return "broadcast";
    case CollectiveTest::reduce: return "reduce";
    case CollectiveTest::sendrecv: return "sendrecv";
  }
  return "?";
}

std::optional<CollectiveTest> collective_test_from_string(const std::string& text) {
  for (const CollectiveTest t : kTests)
    if (text == to_string(t)) return t;
  return std::nullopt;
}

std::vector<std::string> collective_test_names() {
  std::vector<std::string> names;
  for (const CollectiveTest t : kTests) names.push_back(to_string(t));
  return names;
}

std::optional<DataType> data_type_from_string(const std::string& text) {
  for (const DataType& t : kDataTypes)
    if (text == t.name) return t;
  return std::nullopt;
}

std::vector<std::string> data_type_names() {
  std::vector<std::string> names;
  for (const DataType& t : kDataTypes) names.push_back(t.name);
  return names;
}

SizeCounts size_counts(CollectiveTest test, std::int64_t requested_bytes, int type_bytes, int ranks) {
  const std::int64_t count = requested_bytes / type_bytes;
  const std::int64_t per_rank = count / ranks;
  switch (test) {
    case CollectiveTest::all_gather:  // each rank sends its slice and receives all of them
      return {.send_bytes = per_rank * type_bytes, .recv_bytes = per_rank * ranks * type_bytes, .count = per_rank};
    case CollectiveTest::reduce_scatter:  // each rank sends the whole buffer and keeps its slice
      return {.send_bytes = per_rank * ranks * type_bytes, .recv_bytes = per_rank * type_bytes, .count = per_rank};
    default: return {.send_bytes = count * type_bytes, .recv_bytes = count * type_bytes, .count = count};
  }
}

double bus_factor(CollectiveTest test, int ranks) {
  const double n = ranks;
  switch (test) {
    case CollectiveTest::all_reduce: return 2 * (n - 1) / n;
    case CollectiveTest::all_gather:
    case CollectiveTest::reduce_scatter: return (n - 1) / n;
    case CollectiveTest::broadcast:
    case CollectiveTest::reduce:
    case CollectiveTest::sendrecv: return 1;
  }
  return 1;
}

double algorithm_bandwidth(const SizeCounts& counts, double seconds) {
  return seconds > 0 ? static_cast<double>(counts.size_bytes()) / seconds : 0;
}

double CollectiveSweep::average_busbw_Bps() const {
  if (rows.empty()) return 0;
  double sum = 0;
  for (const CollectiveRow& r : rows) sum += r.busbw_Bps;
  return sum / static_cast<double>(rows.size());
}

std::string to_json_text(const CollectiveSweep& sweep) {
  nlohmann::json rows = nlohmann::json::array();
  for (const CollectiveRow& r : sweep.rows)
    rows.push_back({{"size_bytes", r.counts.size_bytes()},
                    {"count", r.counts.count},
                    {"send_bytes", r.counts.send_bytes},
                    {"recv_bytes", r.counts.recv_bytes},
                    {"time_s", r.time_s},
                    {"algbw_Bps", r.algbw_Bps},
                    {"busbw_Bps", r.busbw_Bps},
                    {"algorithm", r.algorithm},
                    {"protocol", r.protocol}});
  const nlohmann::json j = {{"schema", sweep.schema},
                            {"tool_version", sweep.tool_version},
                            {"operation", to_string(sweep.test)},
                            {"topology", sweep.topology},
                            {"ranks", sweep.ranks},
                            {"data_type", sweep.data_type},
                            {"reduction", sweep.reduction},
                            {"root", sweep.root},
                            {"library", sweep.library},
                            {"average_busbw_Bps", sweep.average_busbw_Bps()},
                            {"rows", rows}};
  return j.dump(1) + "\n";
}

std::string to_csv(const CollectiveSweep& sweep) {
  std::string out =
      "operation,topology,ranks,library,data_type,reduction,root,size_bytes,count,time_s,algbw_Bps,busbw_Bps,"
      "algorithm,protocol\n";
  for (const CollectiveRow& r : sweep.rows)
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", to_string(sweep.test), csv_field(sweep.topology),
                       sweep.ranks, sweep.library, sweep.data_type, sweep.reduction, sweep.root, r.counts.size_bytes(),
                       r.counts.count, r.time_s, r.algbw_Bps, r.busbw_Bps, r.algorithm, r.protocol);
  return out;
}

const char* const kCollectiveComparisonSchema = "clustersim.collective_comparison/1";

double CollectiveComparisonRow::time_error_percent() const { return error_percent(predicted_time_s, measured_time_s); }

namespace {

std::pair<double, double> time_error_summary(const CollectiveComparison& c) {
  std::vector<double> errors;
  for (const CollectiveComparisonRow& r : c.rows) errors.push_back(r.time_error_percent());
  return abs_error_summary(errors);
}

}  // namespace

double CollectiveComparison::median_abs_time_error_percent() const { return time_error_summary(*this).first; }
double CollectiveComparison::max_abs_time_error_percent() const { return time_error_summary(*this).second; }

std::string to_json_text(const CollectiveComparison& c) {
  nlohmann::json rows = nlohmann::json::array();
  for (const CollectiveComparisonRow& r : c.rows)
    rows.push_back({{"size_bytes", r.size_bytes},
                    {"log_line", r.log_line},
                    {"measured_time_s", r.measured_time_s},
                    {"predicted_time_s", r.predicted_time_s},
                    {"time_error_percent", r.time_error_percent()},
                    {"measured_busbw_Bps", r.measured_busbw_Bps},
                    {"predicted_busbw_Bps", r.predicted_busbw_Bps},
                    {"algorithm", r.algorithm},
                    {"protocol", r.protocol}});
  const nlohmann::json j = {{"schema", c.schema},
                            {"tool_version", c.tool_version},
                            {"log", c.log},
                            {"log_version", c.log_version},
                            {"devices", c.devices},
                            {"operation", to_string(c.test)},
                            {"topology", c.topology},
                            {"ranks", c.ranks},
                            {"data_type", c.data_type},
                            {"library", c.library},
                            {"median_abs_time_error_percent", c.median_abs_time_error_percent()},
                            {"max_abs_time_error_percent", c.max_abs_time_error_percent()},
                            {"rows", rows}};
  return j.dump(1) + "\n";
}

std::string to_csv(const CollectiveComparison& c) {
  std::string out =
      "operation,topology,ranks,data_type,size_bytes,measured_time_s,predicted_time_s,time_error_percent,"
      "measured_busbw_Bps,predicted_busbw_Bps,algorithm,protocol\n";
  for (const CollectiveComparisonRow& r : c.rows)
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{}\n", to_string(c.test), csv_field(c.topology), c.ranks,
                       c.data_type, r.size_bytes, r.measured_time_s, r.predicted_time_s, r.time_error_percent(),
                       r.measured_busbw_Bps, r.predicted_busbw_Bps, r.algorithm, r.protocol);
  return out;
}

}  // namespace clustersim::results
