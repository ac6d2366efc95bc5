// SPDX-License-Identifier: Apache-2.0
#include "reports/nccl_tests_table.hpp"

#include <fmt/format.h>

namespace clustersim::reports {
namespace {

/// nccl-tests' time column: two decimals below 10 ms, one below 100 ms, none above (µs).
std::string time_us(double seconds) {
  const double us = seconds * 1e6;
  if (us >= 1e5) return fmt::format("{:7.0f}", us);
  if (us >= 1e4) return fmt::format("{:7.1f}", us);
  return fmt::format("{:7.2f}", us);
}

std::string human_bytes(std::int64_t bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  double value = static_cast<double>(bytes);
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  return fmt::format("{:g} {}", value, kUnits[unit]);
}

}  // namespace

std::string format_nccl_tests_table(const results::CollectiveSweep& sweep) {
  std::string out = fmt::format("# clustersim collective (simulated): {}_perf on {}, {} ranks, {} model\n",
                                to_string(sweep.test), sweep.topology, sweep.ranks, sweep.library);
  out += fmt::format("# Collective test starting: {}_perf\n#\n", to_string(sweep.test));
  out += fmt::format("#{:>74}{:>31}\n", "out-of-place", "in-place");
  out += fmt::format("# {:>10}  {:>12}  {:>8}  {:>6}  {:>6}  {:>7}  {:>6}  {:>6}  {:>6}  {:>7}  {:>6}  {:>6}  {:>6}\n",
                     "size", "count", "type", "redop", "root", "time", "algbw", "busbw", "#wrong", "time", "algbw",
                     "busbw", "#wrong");
  out += fmt::format("# {:>10}  {:>12}  {:>8}  {:>6}  {:>6}  {:>7}  {:>6}  {:>6}  {:>6}  {:>7}  {:>6}  {:>6}  {:>6}\n",
                     "(B)", "(elements)", "", "", "", "(us)", "(GB/s)", "(GB/s)", "", "(us)", "(GB/s)", "(GB/s)", "");
  for (const results::CollectiveRow& r : sweep.rows) {
    const std::string half =
        fmt::format("  {}  {:6.2f}  {:6.2f}  {:>6}", time_us(r.time_s), r.algbw_Bps / 1e9, r.busbw_Bps / 1e9, "N/A");
    out += fmt::format("{:12}  {:12}  {:>8}  {:>6}  {:6}{}{}\n", r.counts.size_bytes(), r.counts.count, sweep.data_type,
                       sweep.reduction, sweep.root, half, half);
  }
  out += fmt::format("# Avg bus bandwidth    : {:g} \n#\n", sweep.average_busbw_Bps() / 1e9);
  // Which algorithm and protocol ran, as runs of sizes (nccl-tests shows this only with NCCL_DEBUG).
  for (std::size_t i = 0; i < sweep.rows.size();) {
    std::size_t j = i;
    while (j + 1 < sweep.rows.size() && sweep.rows[j + 1].algorithm == sweep.rows[i].algorithm &&
           sweep.rows[j + 1].protocol == sweep.rows[i].protocol)
      ++j;
    out += fmt::format("# {} to {}: {}{}{}\n", human_bytes(sweep.rows[i].counts.size_bytes()),
                       human_bytes(sweep.rows[j].counts.size_bytes()), sweep.rows[i].algorithm,
                       sweep.rows[i].protocol.empty() ? "" : "/", sweep.rows[i].protocol);
    i = j + 1;
  }
  return out;
}

std::string format_collective_comparison(const results::CollectiveComparison& c) {
  std::string out = fmt::format("# {}_perf measured ({}{}{}) against clustersim on {}, {} ranks, {} model\n",
                                to_string(c.test), c.log, c.devices.empty() ? "" : "; " + c.devices,
                                c.log_version.empty() ? "" : "; " + c.log_version, c.topology, c.ranks, c.library);
  out += fmt::format("# {:>10}  {:>11}  {:>11}  {:>8}  {:>10}  {:>10}  {}\n", "size", "measured", "predicted", "error",
                     "measured", "predicted", "algorithm");
  out += fmt::format("# {:>10}  {:>11}  {:>11}  {:>8}  {:>10}  {:>10}\n", "(B)", "(us)", "(us)", "(%)", "busbw GB/s",
                     "busbw GB/s");
  for (const results::CollectiveComparisonRow& r : c.rows)
    out += fmt::format("{:12}  {:11.2f}  {:11.2f}  {:+8.1f}  {:10.2f}  {:10.2f}  {}{}{}\n", r.size_bytes,
                       r.measured_time_s * 1e6, r.predicted_time_s * 1e6, r.time_error_percent(),
                       r.measured_busbw_Bps / 1e9, r.predicted_busbw_Bps / 1e9, r.algorithm,
                       r.protocol.empty() ? "" : "/", r.protocol);
  out += fmt::format("# {} sizes; |error| of the time: median {:.1f} %, max {:.1f} %\n", c.rows.size(),
                     c.median_abs_time_error_percent(), c.max_abs_time_error_percent());
  return out;
}

}  // namespace clustersim::reports
