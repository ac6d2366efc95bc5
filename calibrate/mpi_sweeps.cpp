// SPDX-License-Identifier: Apache-2.0
// The spread of α comes from fitting each repetition's sweep on its own: repetition r of every
// size forms one sweep, so a noisy repetition shows up in the figure's spread.
#include "calibrate/mpi_sweeps.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "common/mpi_launcher.hpp"

namespace clustersim::calibrate {
namespace {

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> parts;
  std::stringstream in(line);
  std::string part;
  while (std::getline(in, part, sep)) parts.push_back(part);
  return parts;
}

LatencyBandwidthFit fit_medians(const std::map<double, Repeated>& sweep) {
  std::vector<Sample> samples;
  for (const auto& [bytes, seconds] : sweep) samples.push_back({bytes, seconds.median()});
  return fit_latency_bandwidth(samples);
}

std::string table_row(double bytes, double seconds, double bus_factor) {
  const double algbw = bytes / seconds / 1e9;
  return fmt::format("{:>12.0f} {:>12.0f} {:>6} {:>10.2f} {:>8.3f} {:>8.3f}", bytes, bytes / 4, "float", seconds * 1e6,
                     algbw, algbw * bus_factor);
}

}  // namespace

MpiSweepResult parse_mpi_probe_output(const std::string& stdout_text, int ranks) {
  MpiSweepResult result;
  result.p2p_csv = "bytes,repetition,iterations,one_way_seconds\n";
  result.exchange_csv = "bytes,repetition,iterations,exchange_seconds\n";
  result.allreduce_csv = "bytes,count,type,ranks,repetition,iterations,seconds,algbw_GBps,busbw_GBps\n";
  const double bus_factor = 2.0 * (ranks - 1) / ranks;  // allreduce moves 2(n−1)/n of the data per rank
  std::stringstream in(stdout_text);
  std::string line;
  while (std::getline(in, line)) {
    const std::vector<std::string> f = split(line, ',');
    if (f.size() == 2 && f[0] == "library") {
      result.library = f[1];
      continue;
    }
    if (f.size() != 5 || (f[0] != "pingpong" && f[0] != "exchange" && f[0] != "allreduce"))
      continue;  // mpirun's own chatter
    const double bytes = std::stod(f[1]);
    const double seconds = std::stod(f[4]);
    if (f[0] == "pingpong") {
      result.one_way_s[bytes].values.push_back(seconds);
      result.p2p_csv += fmt::format("{},{},{},{:.6e}\n", f[1], f[2], f[3], seconds);
    } else if (f[0] == "exchange") {
      result.exchange_s[bytes].values.push_back(seconds);
      result.exchange_csv += fmt::format("{},{},{},{:.6e}\n", f[1], f[2], f[3], seconds);
    } else {
      result.allreduce_s[bytes].values.push_back(seconds);
      const double algbw = bytes / seconds / 1e9;
      result.allreduce_csv += fmt::format("{},{},float,{},{},{},{:.6e},{:.4f},{:.4f}\n", f[1], bytes / 4, ranks, f[2],
                                          f[3], seconds, algbw, algbw * bus_factor);
    }
  }
  if (result.one_way_s.size() < 2)
    throw std::runtime_error("the MPI probe printed fewer than two ping-pong sizes; its output began: " +
                             stdout_text.substr(0, 200));
  result.fit = fit_medians(result.one_way_s);
  const std::size_t repetitions = result.one_way_s.begin()->second.values.size();
  for (std::size_t r = 0; r < repetitions; ++r) {
    std::map<double, Repeated> one;
    for (const auto& [bytes, seconds] : result.one_way_s)
      if (r < seconds.values.size()) one[bytes].values = {seconds.values[r]};
    result.latency_s.values.push_back(fit_medians(one).latency_s);
  }

  const std::string header =
      fmt::format("{:>12} {:>12} {:>6} {:>10} {:>8} {:>8}", "size(B)", "count", "type", "time(us)", "algbw", "busbw");
  result.table.push_back("MPI ping-pong, one way (GB/s)");
  result.table.push_back(header);
  for (const auto& [bytes, seconds] : result.one_way_s) result.table.push_back(table_row(bytes, seconds.median(), 1));
  if (!result.exchange_s.empty()) {
    result.table.push_back("MPI exchange, both ways at once (GB/s per direction)");
    result.table.push_back(header);
    for (const auto& [bytes, seconds] : result.exchange_s)
      result.table.push_back(table_row(bytes, seconds.median(), 1));
  }
  result.table.push_back(fmt::format("MPI_Allreduce sum, {} ranks (busbw = algbw x 2(n-1)/n; GB/s)", ranks));
  result.table.push_back(header);
  for (const auto& [bytes, seconds] : result.allreduce_s)
    result.table.push_back(table_row(bytes, seconds.median(), bus_factor));
  return result;
}

namespace {

Repeated plateau_Bps(const std::map<double, Repeated>& sweep, double latency_s) {
  Repeated rates;
  if (sweep.empty()) return rates;
  const auto& [bytes, seconds] = *sweep.rbegin();
  for (double t : seconds.values) rates.values.push_back(bytes / std::max(t - latency_s, 1e-12));
  return rates;
}

}  // namespace

Repeated one_way_plateau_Bps(const MpiSweepResult& sweep) { return plateau_Bps(sweep.one_way_s, sweep.fit.latency_s); }
Repeated exchange_plateau_Bps(const MpiSweepResult& sweep) {
  return plateau_Bps(sweep.exchange_s, sweep.fit.latency_s);
}

Repeated exchange_extra_latency_s(const MpiSweepResult& sweep) {
  Repeated extra;
  if (sweep.exchange_s.empty() || sweep.one_way_s.empty()) return extra;
  const std::vector<double>& both = sweep.exchange_s.begin()->second.values;
  const std::vector<double>& one = sweep.one_way_s.begin()->second.values;
  for (std::size_t r = 0; r < std::min(both.size(), one.size()); ++r)
    extra.values.push_back(std::max(both[r] - one[r], 0.0));
  return extra;
}

MpiSweepResult measure_mpi(const MpiSweepPlan& plan) {
  const MpiJob job{
      .program = plan.probe,
      .args = {"--max-bytes", std::to_string(plan.max_bytes), "--repetitions", std::to_string(plan.repetitions)},
      .ranks = plan.ranks,
      .timeout = plan.timeout};
  const MpiJobOutput output = run_mpi_job(plan.place ? plan.place(job) : job);
  return parse_mpi_probe_output(output.stdout_text, plan.ranks);
}

}  // namespace clustersim::calibrate
