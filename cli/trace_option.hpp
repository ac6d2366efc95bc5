// SPDX-License-Identifier: Apache-2.0
// `--trace FILE --trace-case N`, as simulate and live both take it: one case's timeline written as
// Chrome trace-event JSON.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "schemas/results.hpp"

namespace clustersim::cli {

struct TraceOption {
  std::string file;  ///< empty: no trace
  int case_index = 0;
  std::string json;         ///< the traced case's trace, once it ran
  std::string traced_case;  ///< "case 1: ring on ... context 1000"

  /// Registers both options; `what` describes what the trace shows.
  void add_to(CLI::App& command, const std::string& what);
  /// The case to trace, or -1. Throws: InputError when --trace-case is past the scenario's cases.
  int case_to_trace(std::size_t cases) const;
  /// Keeps a case's trace (for the runners' on_trace callbacks).
  void keep(const results::CaseResult& c, const std::string& trace_json, const std::string& devices);
  /// Writes the trace whole, or says why there is none (`why_none`), on stdout.
  void write(const std::string& why_none) const;
};

}  // namespace clustersim::cli
