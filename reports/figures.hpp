// SPDX-License-Identifier: Apache-2.0
// Which figures a set of results calls for, and the gnuplot or Graphviz text that draws each:
// the data pipeline of a report, kept apart from rendering so that it can be tested without
// running the tools.
#pragma once

#include <string>
#include <vector>

#include "schemas/collective_sweep.hpp"
#include "schemas/results.hpp"

namespace clustersim::reports {

using results::CaseResult;
using results::CaseStatus;
using results::Results;

struct FigureSpec {
  std::string id;  ///< HTML id, e.g. `latency-vs-context`
  std::string title;
  std::string caption;  ///< one or two sentences on how to read it
  std::string gnuplot;  ///< a gnuplot script with its data inline (svg terminal)
  std::string dot;      ///< or a Graphviz graph
};

/// The figures for one run, chosen by what it holds: end-to-end generation (cases naming a
/// model), latency against context (two contexts or more), the ring/tree speedup heatmap (tree
/// and ring both present), time breakdown and link bytes per case, and a drawing of every
/// topology small enough to read.
std::vector<FigureSpec> figures_for(const Results& results);

/// A scatter of run B's latency against run A's for the cases they share, with the y = x line and
/// ±10 % and ±25 % bands. `pairs` holds (A latency, B latency) in seconds.
FigureSpec comparison_scatter(const std::string& label_a, const std::string& label_b,
                              const std::vector<std::pair<double, double>>& pairs);

/// Bus bandwidth against message size, measured and predicted, for an nccl-tests log's comparison:
/// the curve nccl-tests users read, on a log2 size axis.
FigureSpec collective_busbw(const results::CollectiveComparison& comparison);

/// Short labels used in figures and tables: `80k`, `1.28M`, `5.12M`.
std::string context_label(std::int64_t context);
/// The machine configuration of a case: `8 GPUs (dgx_h100_cluster:nodes=1)`.
std::string configuration_label(const CaseResult& c);

}  // namespace clustersim::reports
