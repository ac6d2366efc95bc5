// SPDX-License-Identifier: Apache-2.0
// Gnuplot scripts with inline datablocks ($name << EOD), one per figure. Times are plotted in
// microseconds, bytes in GB; labels say so.
#include "reports/figures.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "topologies/topology.hpp"
#include "topologies/topology_summary.hpp"

namespace clustersim::reports {
namespace {

constexpr int kMaxBars = 24;            // beyond this, bar charts keep the longest context per series
constexpr int kMaxDrawnVertices = 160;  // larger topologies are summarised, not drawn

const char* const kTerminal =
    "set terminal svg size 960,540 noenhanced font 'sans,12' background rgb 'white'\n"
    "set grid\nset border lw 1\n";

/// `c` is a control character: a newline would end a gnuplot command or a datablock row.
bool control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

/// A string literal in a gnuplot command. Single-quoted: inside double quotes gnuplot runs
/// `backquoted` text as a shell command, inside single quotes it substitutes nothing. A quote is
/// written twice; control characters become spaces.
std::string gnuplot_string(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, control(c) ? ' ' : c);
  return out + "'";
}

/// A string column of a datablock row (data, never substituted): double-quoted, so a double quote
/// inside, and control characters, become spaces.
std::string gnuplot_field(const std::string& text) {
  std::string out = "\"";
  for (char c : text) out += (c == '"' || control(c)) ? ' ' : c;
  return out + "\"";
}

bool ok(const CaseResult& c) { return c.status == CaseStatus::ok; }

/// Configurations in order of first appearance.
std::vector<std::string> configurations(const Results& results) {
  std::vector<std::string> out;
  for (const CaseResult& c : results.cases)
    if (std::find(out.begin(), out.end(), configuration_label(c)) == out.end()) out.push_back(configuration_label(c));
  return out;
}

FigureSpec latency_vs_context(const Results& results) {
  // One series per (configuration, strategy); strategies share a dash type, configurations a colour.
  std::vector<std::string> strategies;
  for (const CaseResult& c : results.cases)
    if (std::find(strategies.begin(), strategies.end(), c.strategy) == strategies.end())
      strategies.push_back(c.strategy);
  const auto configs = configurations(results);
  std::string data, plot;
  int block = 0;
  for (std::size_t k = 0; k < configs.size(); ++k)
    for (std::size_t s = 0; s < strategies.size(); ++s) {
      std::string rows;
      for (const CaseResult& c : results.cases)
        if (ok(c) && configuration_label(c) == configs[k] && c.strategy == strategies[s])
          rows += fmt::format("{} {}\n", c.context, c.latency_s * 1e6);
      if (rows.empty()) continue;
      data += fmt::format("$s{} << EOD\n{}EOD\n", block, rows);
      plot += fmt::format("{}$s{} using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc {} dt {} title {}",
                          plot.empty() ? "plot " : ", ", block, k + 1, s + 1,
                          gnuplot_string(strategies[s] + ", " + configs[k]));
      ++block;
    }
  return {"latency-vs-context", "Decode latency against context length",
          "One attention layer, one decode step; log-log axes. Solid and dashed lines are the "
          "strategies, colours the machine configurations. Ring attention grows with the context "
          "it must move; tree attention only with the attention it computes.",
          std::string(kTerminal) +
              "set logscale xy\nset xlabel 'context (tokens)'\nset ylabel 'latency (us)'\n"
              "set key outside right top\nset format x '%.0s%c'\n" +
              data + plot + "\n",
          ""};
}

/// The heatmap's row of a case: its configuration, and its batch when the run has several.
std::string heatmap_row(const CaseResult& c, bool several_batches) {
  return several_batches ? fmt::format("{}, batch {}", configuration_label(c), c.batch) : configuration_label(c);
}

/// Nothing when no configuration has both strategies simulated at some context.
std::optional<FigureSpec> speedup_heatmap(const Results& results, const model::Strategy& over,
                                          const model::Strategy& base) {
  std::set<int> batches;
  for (const CaseResult& c : results.cases) batches.insert(c.batch);
  const bool several_batches = batches.size() > 1;
  std::vector<std::string> configs;
  for (const CaseResult& c : results.cases)
    if (std::find(configs.begin(), configs.end(), heatmap_row(c, several_batches)) == configs.end())
      configs.push_back(heatmap_row(c, several_batches));
  std::set<std::int64_t> context_set;
  for (const CaseResult& c : results.cases) context_set.insert(c.context);
  const std::vector<std::int64_t> contexts(context_set.begin(), context_set.end());
  std::map<std::pair<std::string, std::int64_t>, const CaseResult*> base_cases, over_cases;
  for (const CaseResult& c : results.cases) {
    if (c.strategy == base.name) base_cases[{heatmap_row(c, several_batches), c.context}] = &c;
    if (c.strategy == over.name) over_cases[{heatmap_row(c, several_batches), c.context}] = &c;
  }
  std::string cells, labels, xtics, ytics;
  for (std::size_t x = 0; x < contexts.size(); ++x)
    xtics += fmt::format("{}{} {}", x ? ", " : "", gnuplot_string(context_label(contexts[x])), x);
  for (std::size_t y = 0; y < configs.size(); ++y) {
    ytics += fmt::format("{}{} {}", y ? ", " : "", gnuplot_string(configs[y]), y);
    for (std::size_t x = 0; x < contexts.size(); ++x) {
      const auto t = base_cases.find({configs[y], contexts[x]});
      const auto r = over_cases.find({configs[y], contexts[x]});
      if (t == base_cases.end() || r == over_cases.end()) continue;
      if (!ok(*t->second) || !ok(*r->second)) {
        labels += fmt::format("{} {} \"out of memory\"\n", x, y);
        continue;
      }
      const double ratio = r->second->latency_s / t->second->latency_s;
      cells += fmt::format("{} {} {}\n", x, y, ratio);
      labels += fmt::format("{} {} \"{:.1f}x\"\n", x, y, ratio);
    }
  }
  if (cells.empty()) return std::nullopt;
  std::string title = fmt::format("{} / {} latency ratio", over.name, base.name);
  title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
  return FigureSpec{
      fmt::format("{}-{}-speedup", over.name, base.name), title,
      fmt::format("Each cell is {}'s latency divided by {}'s for one context and machine configuration: above 1 "
                  "{} is faster. The colour scale is logarithmic.",
                  over.long_name, base.long_name, base.long_name),
      std::string(kTerminal) + "unset grid\nset logscale cb\n" +
          "set palette defined (0 '#2c7bb6', 1 '#ffffbf', 2 '#d7191c')\n" +
          fmt::format("set cblabel {}\n", gnuplot_string(over.name + " / " + base.name)) +
          fmt::format("set xtics ({})\nset ytics ({})\n", xtics, ytics) +
          fmt::format("set xrange [-0.5:{}]\nset yrange [-0.5:{}]\n", contexts.size() - 0.5, configs.size() - 0.5) +
          "set xlabel 'context (tokens)'\nset lmargin 34\n" + "$cells << EOD\n" + cells + "EOD\n" + "$labels << EOD\n" +
          labels + "EOD\n" +
          "plot $cells using 1:2:(0.5):(0.5):3 with boxxyerror fill solid 1.0 noborder fc palette notitle, "
          "$labels using 1:2:3 with labels notitle\n",
      ""};
}

/// The cases bar charts show: all, or the longest context of each series when there are many.
std::vector<const CaseResult*> bar_cases(const Results& results) {
  std::vector<const CaseResult*> all;
  for (const CaseResult& c : results.cases)
    if (ok(c)) all.push_back(&c);
  if (static_cast<int>(all.size()) <= kMaxBars) return all;
  std::map<std::pair<std::string, std::string>, const CaseResult*> longest;
  for (const CaseResult* c : all) {
    auto& slot = longest[{configuration_label(*c), c->strategy}];
    if (!slot || c->context > slot->context) slot = c;
  }
  std::vector<const CaseResult*> kept;
  for (const CaseResult* c : all)
    if (longest[{configuration_label(*c), c->strategy}] == c) kept.push_back(c);
  return kept;
}

std::string bar_label(const CaseResult& c) {
  return fmt::format("{} {} GPUs {}", c.strategy, c.gpus, context_label(c.context));
}

FigureSpec breakdown(const Results& results) {
  std::string rows;
  for (const CaseResult* c : bar_cases(results))
    rows += fmt::format("{} {} {} {}\n", gnuplot_field(bar_label(*c)), 100 * c->compute_s / c->latency_s,
                        100 * c->exposed_comm_s / c->latency_s, 100 * c->idle_s / c->latency_s);
  return {"time-breakdown", "Where each device's time goes",
          "For the device that finishes last: share of the latency spent computing, communicating "
          "with no kernel running (exposed communication), and idle.",
          std::string(kTerminal) +
              "set style data histograms\nset style histogram rowstacked\nset style fill solid 0.85 border -1\n"
              "set boxwidth 0.75\nset yrange [0:100]\nset ylabel 'share of latency (%)'\n"
              "set xtics rotate by -40 left\nset key outside right top\nset bmargin 9\n" +
              "$b << EOD\n" + rows + "EOD\n" +
              "plot $b using 2:xtic(1) title 'compute' lc rgb '#1b9e77', '' using 3 title 'exposed communication' "
              "lc rgb '#d95f02', '' using 4 title 'idle' lc rgb '#bbbbbb'\n",
          ""};
}

FigureSpec link_bytes(const Results& results) {
  std::vector<std::string> classes;
  for (const CaseResult& c : results.cases)
    for (const auto& [cls, bytes] : c.link_bytes_by_class)
      if (bytes > 0 && std::find(classes.begin(), classes.end(), cls) == classes.end()) classes.push_back(cls);
  std::string rows;
  for (const CaseResult* c : bar_cases(results)) {
    rows += gnuplot_field(bar_label(*c));
    for (const auto& cls : classes) {
      const auto it = c->link_bytes_by_class.find(cls);
      rows += fmt::format(" {}", it == c->link_bytes_by_class.end() || it->second <= 0 ? 1e-9 : it->second / 1e9);
    }
    rows += "\n";
  }
  std::string plot;
  for (std::size_t i = 0; i < classes.size(); ++i)
    plot += fmt::format("{}$l using {}{} title {}", i ? ", " : "plot ", i + 2, i ? "" : ":xtic(1)",
                        gnuplot_string(classes[i]));
  return {"link-bytes", "Bytes on the wire per link class",
          "Traffic summed over every link of a class (a message crossing two NVLink hops counts twice); "
          "logarithmic axis. Ring attention moves the KV cache; tree attention moves a few kilobytes.",
          std::string(kTerminal) +
              "set style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.85 border -1\n"
              "set logscale y\nset yrange [1e-6:*]\nset format y '%g'\nset ylabel 'GB on the wire'\nset xtics rotate "
              "by -40 left\n"
              "set key outside right top\nset bmargin 9\n" +
              "$l << EOD\n" + rows + "EOD\n" + plot + "\n",
          ""};
}

FigureSpec generation(const Results& results) {
  std::string rows, oom;
  int x = 0;
  for (const CaseResult& c : results.cases) {
    if (c.model.empty()) continue;
    const std::string label =
        fmt::format("{} {} {} GPUs {}", c.model, c.strategy, c.gpus, context_label(c.prompt_tokens));
    if (c.status == CaseStatus::ok)
      rows += fmt::format("{} {} {}\n", gnuplot_field(label), c.prefill_s, c.total_s - c.prefill_s);
    else {
      rows += fmt::format("{} 0 0\n", gnuplot_field(label));
      oom += fmt::format("{} 0 \"out of memory\"\n", x);
    }
    ++x;
  }
  std::string script =
      std::string(kTerminal) +
      "set style data histograms\nset style histogram rowstacked\nset style fill solid 0.85 border -1\n"
      "set boxwidth 0.75\nset ylabel 'seconds'\nset yrange [0:*]\nset xtics rotate by -40 left\n"
      "set key outside right top\nset bmargin 10\n" +
      "$g << EOD\n" + rows + "EOD\n";
  std::string plot =
      "plot $g using 2:xtic(1) title 'prefill (time to first token)' lc rgb '#7570b3', '' using 3 title "
      "'decode steps' lc rgb '#e7298a'";
  if (!oom.empty()) {
    script += "$oom << EOD\n" + oom + "EOD\n";
    plot += ", $oom using 1:2:3 with labels rotate by 90 left offset 0,0.5 tc rgb '#b00000' notitle";
  }
  return {"generation", "End-to-end generation",
          "One generate call per case: the prefill of the prompt, which yields the first token, then the decode "
          "steps of the other tokens. Cases marked out of memory do not fit and were not simulated.",
          script + plot + "\n", ""};
}

/// Generation cases that differ only in batch: (model, strategy, configuration, prompt) -> cases.
std::map<std::string, std::vector<const CaseResult*>> batch_series(const Results& results) {
  std::map<std::string, std::vector<const CaseResult*>> series;
  for (const CaseResult& c : results.cases)
    if (!c.model.empty() && ok(c))
      series[fmt::format("{} {}, {}, {}", c.model, c.strategy, configuration_label(c), context_label(c.prompt_tokens))]
          .push_back(&c);
  return series;
}

bool sweeps_batch(const Results& results) {
  for (const auto& [label, cases] : batch_series(results)) {
    std::set<int> batches;
    for (const CaseResult* c : cases) batches.insert(c->batch);
    if (batches.size() >= 2) return true;
  }
  return false;
}

FigureSpec throughput_latency(const Results& results) {
  std::string data, plot, best;
  int block = 0;
  for (auto& [label, cases] : batch_series(results)) {
    std::sort(cases.begin(), cases.end(), [](const CaseResult* a, const CaseResult* b) { return a->batch < b->batch; });
    std::string rows;
    const CaseResult* top = cases.front();
    for (const CaseResult* c : cases) {
      rows += fmt::format("{} {}\n", c->total_s, c->throughput_tokens_per_s);
      if (c->throughput_tokens_per_s > top->throughput_tokens_per_s) top = c;
    }
    best += fmt::format("{} {} \"b={}\"\n", top->total_s, top->throughput_tokens_per_s, top->batch);
    data += fmt::format("$t{} << EOD\n{}EOD\n", block, rows);
    plot += fmt::format("{}$t{} using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc {} title {}",
                        plot.empty() ? "plot " : ", ", block, block + 1, gnuplot_string(label));
    ++block;
  }
  data += "$best << EOD\n" + best + "EOD\n";
  plot +=
      ", $best using 1:2 with points pt 6 ps 2 lc rgb '#000000' title 'best batch', $best using 1:2:3 with "
      "labels offset 0,1 notitle";
  return {"throughput-latency", "Throughput against latency, by batch",
          "One line per strategy and set-up, one point per batch that fits: the generate call's time against the "
          "tokens the whole batch generates per second. A circle marks the batch with the highest throughput.",
          std::string(kTerminal) +
              "set logscale xy\nset xlabel 'generate call (s)'\nset ylabel 'throughput (tokens/s)'\n"
              "set key outside right top\n" +
              data + plot + "\n",
          ""};
}

}  // namespace

std::string context_label(std::int64_t context) {
  if (context >= 1000000 && context % 10000 == 0) return fmt::format("{}M", static_cast<double>(context) / 1e6);
  if (context >= 1000 && context % 1000 == 0) return fmt::format("{}k", context / 1000);
  return std::to_string(context);
}

std::string configuration_label(const CaseResult& c) { return fmt::format("{} GPUs ({})", c.gpus, c.topology); }

std::vector<FigureSpec> figures_for(const Results& results) {
  std::vector<FigureSpec> figures;
  std::set<std::int64_t> contexts;
  std::set<std::string> strategies;
  bool any_ok = false;
  for (const CaseResult& c : results.cases) {
    contexts.insert(c.context);
    strategies.insert(c.strategy);
    any_ok = any_ok || ok(c);
  }
  const bool generation_cases =
      std::any_of(results.cases.begin(), results.cases.end(), [](const CaseResult& c) { return !c.model.empty(); });
  if (generation_cases) {
    figures.push_back(generation(results));
    if (sweeps_batch(results)) figures.push_back(throughput_latency(results));
  } else if (any_ok && contexts.size() >= 2) figures.push_back(latency_vs_context(results));
  for (const model::Strategy* s : model::strategies())
    if (!s->compared_with.empty() && strategies.count(s->name) && strategies.count(s->compared_with))
      if (auto heatmap = speedup_heatmap(results, *s, model::strategy(s->compared_with)))
        figures.push_back(std::move(*heatmap));
  if (any_ok) {
    figures.push_back(breakdown(results));
    figures.push_back(link_bytes(results));
  }
  std::set<std::string> drawn;
  for (const CaseResult& c : results.cases) {
    if (!drawn.insert(c.topology).second) continue;
    const topo::Topology topology = topo::topology_from_spec(c.topology);
    if (static_cast<int>(topology.vertices().size()) > kMaxDrawnVertices) continue;
    figures.push_back({"topology-" + std::to_string(drawn.size()), "Topology " + c.topology,
                       "Vertices are devices and switches, grouped by machine; edges are labelled with their "
                       "link class and bandwidth per direction.",
                       "", topo::to_dot(topology)});
  }
  return figures;
}

FigureSpec comparison_scatter(const std::string& label_a, const std::string& label_b,
                              const std::vector<std::pair<double, double>>& pairs) {
  std::string rows;
  double low = INFINITY, high = 0;
  for (const auto& [a, b] : pairs) {
    rows += fmt::format("{} {}\n", a * 1e6, b * 1e6);
    low = std::min({low, a * 1e6, b * 1e6});
    high = std::max({high, a * 1e6, b * 1e6});
  }
  low /= 2;
  high *= 2;
  return {
      "comparison-scatter", "Latency, one run against the other",
      "Each point is a case both runs hold. On the diagonal the runs agree; the bands mark ±10 % and "
      "±25 %. Log-log axes.",
      std::string(kTerminal) +
          fmt::format("set logscale xy\nset xrange [{0}:{1}]\nset yrange [{0}:{1}]\nset size ratio 1\n", low, high) +
          fmt::format("set xlabel {}\nset ylabel {}\nset key outside right top\n",
                      gnuplot_string(label_a + " latency (us)"), gnuplot_string(label_b + " latency (us)")) +
          "$p << EOD\n" + rows + "EOD\n" +
          "plot x*1.25 with lines dt 3 lc rgb '#999999' title '±25 %', x/1.25 with lines dt 3 lc rgb '#999999' "
          "notitle, x*1.1 with lines dt 2 lc rgb '#666666' title '±10 %', x/1.1 with lines dt 2 lc rgb "
          "'#666666' notitle, x with lines lw 2 lc rgb 'black' title 'y = x', $p using 1:2 with points pt 7 "
          "ps 1 lc rgb '#d95f02' title 'cases'\n",
      ""};
}

FigureSpec collective_busbw(const results::CollectiveComparison& comparison) {
  std::string rows;
  for (const results::CollectiveComparisonRow& r : comparison.rows)
    rows += fmt::format("{} {} {}\n", r.size_bytes, r.measured_busbw_Bps / 1e9, r.predicted_busbw_Bps / 1e9);
  return {"busbw-vs-size", "Bus bandwidth by message size",
          "nccl-tests' busbw (GB/s) of the measured log and of clustersim's prediction for each size; where the "
          "curves part, the model misses a mechanism at that size (latency on the left, bandwidth on the right).",
          std::string(kTerminal) + "set logscale x 2\nset format x '%.0b%B'\nset key left top\n" +
              "set xlabel 'message size (B)'\nset ylabel 'busbw (GB/s)'\n$d << EOD\n" + rows + "EOD\n" +
              "plot $d using 1:2 with linespoints pt 7 lc rgb '#1b9e77' title 'measured', "
              "$d using 1:3 with linespoints pt 5 lc rgb '#d95f02' title 'predicted'\n",
          ""};
}

}  // namespace clustersim::reports
