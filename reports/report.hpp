// SPDX-License-Identifier: Apache-2.0
// Reports: a self-contained HTML page (inline SVG figures drawn by gnuplot and Graphviz, inline
// CSS, no script, nothing fetched), a Markdown summary, and the CSV the report was made from —
// for one run, or for two runs side by side (two fabrics, two profiles, predicted and measured).
#pragma once

#include <string>

#include "schemas/collective_sweep.hpp"
#include "schemas/results.hpp"

namespace clustersim::reports {

using results::CaseResult;
using results::CaseStatus;
using results::Results;

struct ReportFiles {
  std::string html;      ///< report.html
  std::string markdown;  ///< report.md
  std::string csv;       ///< the rows the report shows
};

/// The report of one run. Throws: std::runtime_error if gnuplot or dot is missing or fails.
ReportFiles make_report(const Results& results);

/// Run B against run A, joined on (GPUs, strategy, context, batch, heads, kv_heads, head_dim,
/// dtype): both latencies, B / A, and A's error relative to B, with a scatter of one against the
/// other. With A simulated and B measured, the error is the prediction error.
ReportFiles make_comparison(const Results& a, const std::string& label_a, const Results& b, const std::string& label_b);

/// An nccl-tests log against its prediction: bus bandwidth by size (both curves), the scatter of
/// predicted against measured time, and the per-size table. Throws as make_report.
ReportFiles make_collective_comparison(const results::CollectiveComparison& comparison);

}  // namespace clustersim::reports
