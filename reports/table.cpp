// SPDX-License-Identifier: Apache-2.0
// Table formatting with fmt. Units are in the units row, never in the numbers.
#include "reports/table.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <fmt/format.h>

namespace clustersim::reports {
namespace {

constexpr double kMicro = 1e6;

std::string column_label(const CaseResult& c) { return fmt::format("{} ({} GPUs)", c.topology, c.gpus); }

/// Which library's model ran the collectives, as the cases' runs record it (library mpi runs
/// have no protocol); nothing when no case ran one.
std::string collectives_model(const Results& results) {
  for (const CaseResult& c : results.cases)
    for (const sim::CollectiveRun& run : c.collectives)
      return run.protocol == "none" ? "; collectives: Open MPI 4.1's decision (library mpi)"
                                    : "; collectives: NCCL tuner model";
  return {};
}

}  // namespace

std::vector<LatencyRatio> latency_ratios(const Results& results) {
  std::vector<LatencyRatio> ratios;
  for (const model::Strategy* strategy : model::strategies()) {
    if (strategy->compared_with.empty()) continue;
    const model::Strategy& base = model::strategy(strategy->compared_with);
    // Cases with default options only: `ring+output_one` is not ring.
    std::map<std::pair<std::string, std::int64_t>, double> over, under;
    std::vector<std::string> columns;
    std::set<std::int64_t> contexts;
    for (const CaseResult& c : results.cases) {
      if (c.status != CaseStatus::ok || (c.strategy != strategy->name && c.strategy != base.name)) continue;
      const std::string column = column_label(c);
      if (std::find(columns.begin(), columns.end(), column) == columns.end()) columns.push_back(column);
      contexts.insert(c.context);
      (c.strategy == base.name ? under : over)[{column, c.context}] = c.latency_s;
    }
    if (over.empty() || under.empty()) continue;
    std::string out =
        fmt::format("# {} / {} latency ratio (>1: {} is faster)\n", strategy->name, base.name, base.long_name);
    out += fmt::format("# {:>10}", "context");
    for (const auto& column : columns) out += fmt::format("  {:>{}}", column, column.size());
    out += "\n";
    for (std::int64_t context : contexts) {
      out += fmt::format("  {:>10}", context);
      for (const auto& column : columns) {
        const auto u = under.find({column, context});
        const auto o = over.find({column, context});
        const std::string cell =
            u != under.end() && o != over.end() && u->second > 0 ? fmt::format("{:.2f}", o->second / u->second) : "-";
        out += fmt::format("  {:>{}}", cell, column.size());
      }
      out += "\n";
    }
    std::string title = fmt::format("{} / {} latency ratio", strategy->name, base.name);
    title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
    ratios.push_back({strategy, &base, title, out});
  }
  return ratios;
}

std::string format_generation(const Results& results) {
  const auto row = [](auto... cells) {
    return fmt::format(
        "{:>14} {:>28} {:>5} {:>26} {:>6} {:>9} {:>5} {:>12} {:>9} {:>10} {:>10} {:>9} {:>10} {:>12} {:>9}\n",
        cells...);
  };
  std::string out;
  for (const CaseResult& c : results.cases) {
    if (c.model.empty()) continue;
    if (out.empty()) {
      std::string names = row("model", "topology", "gpus", "strategy", "batch", "prompt", "new", "first_token",
                              "prefill", "per_token", "total", "tokens/s", "throughput", "fits_up_to", "max_batch");
      std::string units =
          row("", "", "", "", "", "(tokens)", "", "(ms)", "(%)", "(ms)", "(s)", "", "(tokens/s)", "(tokens)", "");
      names[0] = units[0] = '#';
      out =
          "# end-to-end generation: prefill (first token), then one decode step per further token;\n"
          "# tokens/s per sequence, throughput for the whole batch; fits_up_to: the longest prompt whose\n"
          "# generation fits in the device's memory (and its host memory share, offloading); max_batch:\n"
          "# the largest batch of this prompt that fits\n" +
          names + units;
    }
    const bool fits = c.status == CaseStatus::ok;
    out += row(c.model, c.topology, c.gpus, c.strategy, c.batch, c.prompt_tokens, c.new_tokens,
               fits ? fmt::format("{:.2f}", c.prefill_s * 1e3) : "oom",
               fits ? fmt::format("{:.1f}", 100 * c.prefill_s / c.total_s) : "-",
               fits ? fmt::format("{:.3f}", c.decode_s_per_token * 1e3) : "-",
               fits ? fmt::format("{:.4f}", c.total_s) : "-", fits ? fmt::format("{:.2f}", c.tokens_per_s) : "-",
               fits ? fmt::format("{:.2f}", c.throughput_tokens_per_s) : "-", c.longest_prompt_that_fits,
               c.largest_batch_that_fits);
  }
  return out;
}

std::string format_table(const Results& results) {
  std::string out = fmt::format("# clustersim {} {}\n", results.tool_version, results.mode);
  out +=
      fmt::format("# scenario: {} ({}), {} cases\n", results.scenario, results.scenario_origin, results.cases.size());
  if (!results.cases.empty())
    out += fmt::format("# device: {} ({} figures)\n", results.cases.front().device,
                       results.cases.front().device_provenance);
  out += fmt::format("# engine: SimGrid CM02 (latency + size/bandwidth, max-min sharing){}\n#\n",
                     collectives_model(results));
  const auto row = [](auto... cells) {
    return fmt::format("{:>34} {:>5} {:>22} {:>10} {:>12} {:>12} {:>12} {:>12} {:>12} {:>10} {:>6}\n", cells...);
  };
  // Header rows are data rows whose first column starts with '#'.
  std::string names = row("topology", "gpus", "strategy", "context", "latency", "compute", "exposed_comm", "idle",
                          "bytes/dev", "peak_mem", "status");
  std::string units = row("", "", "", "(tokens)", "(us)", "(us)", "(us)", "(us)", "(MB)", "(GB)", "");
  names[0] = units[0] = '#';
  out += names + units;
  for (const CaseResult& c : results.cases)
    out += row(c.topology, c.gpus, c.strategy, c.context, fmt::format("{:.2f}", c.latency_s * kMicro),
               fmt::format("{:.2f}", c.compute_s * kMicro), fmt::format("{:.2f}", c.exposed_comm_s * kMicro),
               fmt::format("{:.2f}", c.idle_s * kMicro), fmt::format("{:.3f}", c.bytes_per_device / 1e6),
               fmt::format("{:.3f}", c.peak_mem_bytes / 1e9), to_string(c.status));
  int oom = 0;
  for (const CaseResult& c : results.cases) oom += c.status == CaseStatus::oom;
  out += fmt::format("# {} cases, {} simulated, {} out of device memory (not simulated)\n", results.cases.size(),
                     results.cases.size() - oom, oom);
  if (const std::string generation = format_generation(results); !generation.empty()) out += "#\n" + generation;
  for (const LatencyRatio& ratio : latency_ratios(results)) out += "#\n" + ratio.matrix;
  return out;
}

}  // namespace clustersim::reports
