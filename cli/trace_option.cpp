// SPDX-License-Identifier: Apache-2.0
#include "cli/trace_option.hpp"

#include <cstdio>

#include <fmt/format.h>

#include "common/atomic_file.hpp"
#include "common/input_error.hpp"

namespace clustersim::cli {

void TraceOption::add_to(CLI::App& command, const std::string& what) {
  command.add_option("--trace", file,
                     "Write one case's timeline as Chrome trace-event JSON (opens in ui.perfetto.dev):\n" + what);
  command.add_option("--trace-case", case_index, "Index of the case to trace (default 0; see results.csv order)")
      ->check(CLI::NonNegativeNumber);
}

int TraceOption::case_to_trace(std::size_t cases) const {
  if (file.empty()) return -1;
  if (case_index >= static_cast<int>(cases))
    throw InputError({}, "--trace-case",
                     fmt::format("--trace-case {} is out of range: the scenario has {} cases (0 to {})", case_index,
                                 cases, cases - 1));
  return case_index;
}

void TraceOption::keep(const results::CaseResult& c, const std::string& trace_json, const std::string& devices) {
  json = trace_json;
  traced_case =
      fmt::format("case {}: {} on {} ({} {}), context {}", c.index, c.strategy, c.topology, c.gpus, devices, c.context);
}

void TraceOption::write(const std::string& why_none) const {
  if (file.empty()) return;
  if (json.empty()) {
    std::printf("# trace: case %d %s: no trace written\n", case_index, why_none.c_str());
    return;
  }
  write_file_atomically(file, json);
  std::printf("# trace of %s: %s (open it in ui.perfetto.dev)\n", traced_case.c_str(), file.c_str());
}

}  // namespace clustersim::cli
