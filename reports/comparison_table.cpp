// SPDX-License-Identifier: Apache-2.0
#include "reports/comparison_table.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace clustersim::reports {

std::string format_comparison_table(const results::Comparison& c) {
  const auto or_dash = [](const std::optional<double>& value, const char* format, double scale = 1) {
    return value ? fmt::format(fmt::runtime(format), *value * scale) : std::string("-");
  };
  std::string out =
      fmt::format("# clustersim validate: {} predicted with {} against live runs\n", c.scenario, c.profile);
  out += fmt::format("#{:>27} {:>5} {:>16} {:>10} {:>12} {:>12} {:>8} {:>9} {:>8} {:>8} {:>11} {:>8}\n", "topology",
                     "gpus", "strategy", "context", "predicted", "measured", "spread", "error", "kernel", "link",
                     "predicted*", "error*");
  out += fmt::format("#{:>27} {:>5} {:>16} {:>10} {:>12} {:>12} {:>8} {:>9} {:>8} {:>8} {:>11} {:>8}\n", "", "", "",
                     "(tokens)", "(ms)", "(ms, median)", "(%)", "(%)", "(%)", "(%)", "(ms)", "(%)");
  for (const results::ComparedCase& r : c.cases)
    out += fmt::format(" {:>27} {:>5} {:>16} {:>10} {:>12.3f} {:>12.3f} {:>8.1f} {:>+9.1f} {:>8} {:>8} {:>11} {:>8}\n",
                       r.topology, r.gpus, r.strategy, r.context, r.predicted_s * 1e3, r.measured_s * 1e3,
                       r.spread * 100, r.error_percent, or_dash(results::change_percent(r.kernel_in_case), "{:+.1f}"),
                       or_dash(results::change_percent(r.rotation_in_case), "{:+.1f}"),
                       or_dash(r.retimed_predicted_s, "{:.3f}", 1e3), or_dash(r.retimed_error_percent, "{:+.1f}"));
  if (c.cases.empty()) {
    out += "# no case was both predicted and measured\n";
  } else {
    out += fmt::format("# {} cases; |error| median {:.1f} %, max {:.1f} %", c.cases.size(), c.median_abs_error_percent,
                       c.max_abs_error_percent);
    if (c.retimed_median_abs_error_percent)
      out += fmt::format("; |error*| median {:.1f} %, max {:.1f} %", *c.retimed_median_abs_error_percent,
                         *c.retimed_max_abs_error_percent);
    out += "\n";
  }
  if (std::any_of(c.cases.begin(), c.cases.end(), [](const results::ComparedCase& r) { return r.kernel_in_case; }))
    out +=
        "# kernel: the decode kernel alone on the case's shard, timed by its ranks before each step, against the "
        "profile's rate\n#   for that size: the machine's drift, which moves the measured time and not the "
        "prediction\n";
  if (std::any_of(c.cases.begin(), c.cases.end(), [](const results::ComparedCase& r) { return r.rotation_in_case; }))
    out +=
        "# link: one rotation of the ring's shards alone, timed by its ranks before each step, against the "
        "profile's\n#   rate both ways for the link it crosses: the link's drift, likewise\n";
  if (c.retimed_median_abs_error_percent)
    out +=
        "# predicted*, error*: the case predicted again with the decode kernel and the link at those rates: the "
        "model's\n#   own error, less the drift of its inputs\n";
  if (c.kernel_recheck)
    out += fmt::format(
        "# decode kernel on {:.0f} MiB per rank: {:.1f} GB/s in the profile, {:.1f} GB/s after the live "
        "runs ({:+.1f} %): the machine's own drift\n",
        c.kernel_recheck->bytes / (1 << 20), c.kernel_recheck->profile_Bps / 1e9, c.kernel_recheck->now_Bps / 1e9,
        c.kernel_recheck->change_percent());
  return out;
}

}  // namespace clustersim::reports
