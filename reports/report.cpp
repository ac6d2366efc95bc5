// SPDX-License-Identifier: Apache-2.0
// Report assembly: figures from figures.cpp rendered to SVG, tables of the results, and the
// provenance of every device profile the results name.
#include "reports/report.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>
#include <variant>

#include <fmt/format.h>

#include "common/data_path.hpp"
#include "common/read_file.hpp"
#include "model/device_profile.hpp"
#include "reports/external_tool.hpp"
#include "reports/figures.hpp"
#include "reports/table.hpp"

namespace clustersim::reports {
namespace {

const char* const kStyle = R"(
body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
.meta { color: #555; } figure { margin: 1.5em 0; } figcaption { color: #444; font-size: 0.95em; }
figure svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 0.9em; margin: 1em 0; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; }
th { background: #f4f4f4; } td.text, th.text { text-align: left; }
.oom { color: #b00; font-weight: bold; }
)";

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string micro(double seconds) { return fmt::format("{:.2f}", seconds * 1e6); }

std::string page(const std::string& title, const std::string& body) {
  return fmt::format(
      "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n"
      "<style>{}</style>\n</head>\n<body>\n<h1>{}</h1>\n{}</body>\n</html>\n",
      escape(title), kStyle, escape(title), body);
}

std::string rendered(const FigureSpec& f) {
  const std::string svg = inline_svg(f.dot.empty() ? gnuplot_svg(f.gnuplot) : dot_svg(f.dot));
  return fmt::format("<figure id=\"{}\">\n<h3>{}</h3>\n{}\n<figcaption>{}</figcaption>\n</figure>\n", f.id,
                     escape(f.title), svg, escape(f.caption));
}

std::string cases_table_html(const Results& results) {
  std::string out =
      "<table id=\"cases\">\n<tr><th class=\"text\">topology</th><th>GPUs</th><th class=\"text\">strategy</th>"
      "<th>context</th><th>latency (us)</th><th>compute (us)</th><th>exposed comm (us)</th><th>idle (us)</th>"
      "<th>bytes/device (MB)</th><th>peak memory (GB)</th><th class=\"text\">status</th></tr>\n";
  for (const CaseResult& c : results.cases) {
    const bool oom = c.status != CaseStatus::ok;
    out += fmt::format(
        "<tr><td class=\"text\">{}</td><td>{}</td><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td><td>{:.3f}</td><td>{:.3f}</td><td class=\"text{}\">{}</td></tr>\n",
        escape(c.topology), c.gpus, escape(c.strategy), context_label(c.context), oom ? "-" : micro(c.latency_s),
        oom ? "-" : micro(c.compute_s), oom ? "-" : micro(c.exposed_comm_s), oom ? "-" : micro(c.idle_s),
        c.bytes_per_device / 1e6, c.peak_mem_bytes / 1e9, oom ? " oom" : "", oom ? "out of memory" : "ok");
  }
  return out + "</table>\n";
}

/// The device profile a results file names, or why it is not shown. A results file is input
/// like any other: its `device` is read only as a shipped profile's name or a regular file (never
/// a FIFO or device, whose read could block or never end), and a file that is not a valid profile
/// is not quoted, since its text could be anything, e.g. a line of /etc/passwd.
std::variant<model::DeviceProfile, std::string> profile_for_report(const std::string& device) {
  const std::filesystem::path path = resolve_data_file(device, "model/devices", ".yaml");
  if (const auto problem = not_a_regular_file(path)) {
    std::error_code ec;
    return std::filesystem::exists(path, ec) ? fmt::format("its file cannot be read: {}", *problem)
                                             : std::string("no such device profile or file here");
  }
  try {
    return model::load_device_profile(path.string());
  } catch (const std::exception&) { return std::string("its file is not a valid device profile"); }
}

/// Every figure of every device profile the results name, with its source.
std::string provenance_html(const Results& results) {
  std::set<std::string> seen;
  std::string out;
  for (const CaseResult& c : results.cases) {
    if (!seen.insert(c.device).second) continue;
    out += fmt::format("<h3>{} ({} figures)</h3>\n", escape(c.device), escape(c.device_provenance));
    auto profile = profile_for_report(c.device);
    if (const auto* why = std::get_if<std::string>(&profile)) {
      out += fmt::format("<p>profile not available here: {}</p>\n", escape(*why));
      continue;
    }
    const model::DeviceProfile& p = std::get<model::DeviceProfile>(profile);
    out += fmt::format(
        "<p>{}; from <code>{}</code></p>\n<table>\n<tr><th class=\"text\">figure</th><th>value</th>"
        "<th class=\"text\">source</th></tr>\n",
        escape(p.description), escape(p.origin));
    auto row = [&](const std::string& name, const std::string& value, const model::Figure& f) {
      out += fmt::format("<tr><td class=\"text\">{}</td><td>{}</td><td class=\"text\">{}</td></tr>\n", name, value,
                         escape(f.source));
    };
    for (const auto& [dtype, f] : p.dense_flops)
      row(fmt::format("dense {} TFLOP/s", model::to_string(dtype)), fmt::format("{:g}", f.value / 1e12), f);
    row("HBM bandwidth (GB/s)", fmt::format("{:g}", p.hbm_bandwidth.value / 1e9), p.hbm_bandwidth);
    row("memory (GB)", fmt::format("{:g}", p.memory_capacity.value / 1e9), p.memory_capacity);
    row("launch overhead (us)", fmt::format("{:g}", p.launch_overhead.value * 1e6), p.launch_overhead);
    row("compute efficiency", fmt::format("{:g}", p.compute_efficiency.value), p.compute_efficiency);
    row("memory efficiency", fmt::format("{:g}", p.memory_efficiency.value), p.memory_efficiency);
    out += "</table>\n";
  }
  return out;
}

std::string ratio_html(const Results& results) {
  std::string html;
  for (const LatencyRatio& ratio : latency_ratios(results))
    html += "<h2>" + escape(ratio.title) + "</h2>\n<pre>" + escape(ratio.matrix) + "</pre>\n";
  return html;
}

/// Key on which two runs are joined.
using CaseKey = std::tuple<int, std::string, std::int64_t, int, int, int, int, std::string>;
CaseKey key_of(const CaseResult& c) {
  return {c.gpus, c.strategy, c.context, c.batch, c.heads, c.kv_heads, c.head_dim, c.dtype};
}

}  // namespace

ReportFiles make_report(const Results& results) {
  int oom = 0;
  for (const CaseResult& c : results.cases) oom += c.status != CaseStatus::ok;
  std::string body = fmt::format(
      "<p class=\"meta\">clustersim {} {} of scenario <b>{}</b> ({}): {} cases, {} out of device memory. "
      "Schema {}.</p>\n",
      escape(results.tool_version), escape(results.mode), escape(results.scenario), escape(results.scenario_origin),
      results.cases.size(), oom, escape(results.schema));
  body += ratio_html(results);
  if (const std::string generation = format_generation(results); !generation.empty())
    body += "<h2>End-to-end generation</h2>\n<pre>" + escape(generation) + "</pre>\n";
  body += "<h2>Figures</h2>\n";
  for (const FigureSpec& f : figures_for(results)) body += rendered(f);
  body += "<h2>Cases</h2>\n" + cases_table_html(results);
  body += "<h2>Provenance of the device figures</h2>\n" + provenance_html(results);

  std::string md =
      fmt::format("# clustersim report: {}\n\n{} {} of `{}`: {} cases, {} out of device memory.\n\n", results.scenario,
                  results.tool_version, results.mode, results.scenario_origin, results.cases.size(), oom);
  if (const std::string generation = format_generation(results); !generation.empty())
    md += "## End-to-end generation\n\n```\n" + generation + "```\n\n";
  for (const LatencyRatio& ratio : latency_ratios(results))
    md += "## " + ratio.title + "\n\n```\n" + ratio.matrix + "```\n\n";
  md +=
      "## Cases\n\n| topology | GPUs | strategy | context | latency (us) | compute (us) | exposed comm (us) | "
      "idle (us) | bytes/device (MB) | peak memory (GB) | status |\n|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const CaseResult& c : results.cases)
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {:.3f} | {:.3f} | {} |\n", c.topology, c.gpus,
                      c.strategy, context_label(c.context), micro(c.latency_s), micro(c.compute_s),
                      micro(c.exposed_comm_s), micro(c.idle_s), c.bytes_per_device / 1e6, c.peak_mem_bytes / 1e9,
                      to_string(c.status));
  md += "\nFigures, the topology drawings and the provenance of every device figure are in report.html.\n";
  return {page("clustersim report: " + results.scenario, body), md, to_csv(results)};
}

ReportFiles make_comparison(const Results& a, const std::string& label_a, const Results& b,
                            const std::string& label_b) {
  std::map<CaseKey, const CaseResult*> in_b;
  for (const CaseResult& c : b.cases) in_b.emplace(key_of(c), &c);
  std::vector<std::pair<const CaseResult*, const CaseResult*>> joined;
  for (const CaseResult& c : a.cases)
    if (const auto it = in_b.find(key_of(c));
        it != in_b.end() && c.status == CaseStatus::ok && it->second->status == CaseStatus::ok)
      joined.emplace_back(&c, it->second);

  std::vector<double> errors;
  std::vector<std::pair<double, double>> points;
  std::string rows_html, rows_md,
      csv =
          "gpus,strategy,context,batch,heads,kv_heads,head_dim,dtype,topology_a,"
          "topology_b,latency_a_s,latency_b_s,b_over_a,error_a_vs_b_percent\n";
  for (const auto& [x, y] : joined) {
    const double error = 100 * (x->latency_s - y->latency_s) / y->latency_s;
    errors.push_back(std::abs(error));
    points.emplace_back(x->latency_s, y->latency_s);
    rows_html += fmt::format(
        "<tr><td>{}</td><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.3f}</td><td>{:+.1f}</td>"
        "</tr>\n",
        x->gpus, escape(x->strategy), context_label(x->context), micro(x->latency_s), micro(y->latency_s),
        y->latency_s / x->latency_s, error);
    rows_md +=
        fmt::format("| {} | {} | {} | {} | {} | {:.3f} | {:+.1f} |\n", x->gpus, x->strategy, context_label(x->context),
                    micro(x->latency_s), micro(y->latency_s), y->latency_s / x->latency_s, error);
    csv += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", x->gpus, x->strategy, x->context, x->batch,
                       x->heads, x->kv_heads, x->head_dim, x->dtype, x->topology, y->topology, x->latency_s,
                       y->latency_s, y->latency_s / x->latency_s, error);
  }
  std::vector<double> sorted = errors;
  std::sort(sorted.begin(), sorted.end());
  const std::string summary =
      sorted.empty() ? std::string("no case is in both runs")
                     : fmt::format("{} cases in both runs; |error| of {} against {}: median {:.1f} %, max {:.1f} %",
                                   sorted.size(), label_a, label_b, sorted[sorted.size() / 2], sorted.back());

  std::string body = fmt::format("<p class=\"meta\">A = {} ({} of {}, {} cases); B = {} ({} of {}, {} cases).</p>\n",
                                 escape(label_a), escape(a.mode), escape(a.scenario), a.cases.size(), escape(label_b),
                                 escape(b.mode), escape(b.scenario), b.cases.size());
  body += "<p><b>" + escape(summary) + "</b></p>\n";
  if (!points.empty()) body += rendered(comparison_scatter(label_a, label_b, points));
  body +=
      "<h2>Cases in both runs</h2>\n<table id=\"comparison\">\n<tr><th>GPUs</th><th class=\"text\">strategy</th>"
      "<th>context</th><th>A latency (us)</th><th>B latency (us)</th><th>B / A</th><th>error of A (%)</th></tr>\n" +
      rows_html + "</table>\n";
  const std::string md = fmt::format(
      "# clustersim comparison: {} against {}\n\n{}\n\n| GPUs | strategy | context | A latency (us) | B latency (us) | "
      "B / A | error of A (%) |\n|---|---|---|---|---|---|---|\n{}",
      label_a, label_b, summary, rows_md);
  return {page("clustersim comparison: " + label_a + " against " + label_b, body), md, csv};
}

ReportFiles make_collective_comparison(const results::CollectiveComparison& c) {
  std::vector<std::pair<double, double>> points;  // (predicted, measured)
  std::string rows;
  for (const results::CollectiveComparisonRow& r : c.rows) {
    points.emplace_back(r.predicted_time_s, r.measured_time_s);
    rows += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:+.1f}</td><td>{:.2f}</td><td>{:.2f}</td><td class=\"text\">{}{}{}"
        "</td></tr>\n",
        r.size_bytes, micro(r.measured_time_s), micro(r.predicted_time_s), r.time_error_percent(),
        r.measured_busbw_Bps / 1e9, r.predicted_busbw_Bps / 1e9, escape(r.algorithm), r.protocol.empty() ? "" : "/",
        escape(r.protocol));
  }
  const std::string title = fmt::format("{}_perf: measured against clustersim", to_string(c.test));
  const std::string summary =
      fmt::format("{} sizes; |error| of the predicted time: median {:.1f} %, max {:.1f} %", c.rows.size(),
                  c.median_abs_time_error_percent(), c.max_abs_time_error_percent());
  std::string body = fmt::format(
      "<p class=\"meta\">Log <code>{}</code>{}{}; predicted on <code>{}</code>, {} ranks, {} model.</p>\n<p>{}</p>\n",
      escape(c.log), c.devices.empty() ? "" : " (" + escape(c.devices) + ")",
      c.log_version.empty() ? "" : ", " + escape(c.log_version), escape(c.topology), c.ranks, escape(c.library),
      escape(summary));
  body += rendered(collective_busbw(c));
  body += rendered(comparison_scatter("predicted", "measured", points));
  body +=
      "<h2>By size</h2>\n<table>\n<tr><th>size (B)</th><th>measured (us)</th><th>predicted (us)</th>"
      "<th>error (%)</th><th>measured busbw (GB/s)</th><th>predicted busbw (GB/s)</th>"
      "<th class=\"text\">algorithm</th></tr>\n" +
      rows + "</table>\n";
  return {page(title, body), fmt::format("# {}\n\n{}\n", title, summary), results::to_csv(c)};
}

}  // namespace clustersim::reports
