// SPDX-License-Identifier: Apache-2.0
#include "schemas/comparison.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/statistics.hpp"

namespace clustersim::results {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ComparedCase, index, topology, gpus, strategy, context, predicted_s, measured_s,
                                   measured_min_s, measured_max_s, repetitions, spread, error_percent)

double error_percent(double predicted, double measured) { return 100 * (predicted - measured) / measured; }

std::pair<double, double> abs_error_summary(std::vector<double> errors) {
  if (errors.empty()) return {0, 0};
  for (double& e : errors) e = std::abs(e);
  return {median(errors), *std::max_element(errors.begin(), errors.end())};
}

Comparison compare(const results::Results& predicted, const results::Results& measured, const std::string& profile) {
  Comparison out{.scenario = measured.scenario, .profile = profile};
  std::map<int, const results::CaseResult*> by_index;
  for (const results::CaseResult& c : measured.cases)
    if (c.status == results::CaseStatus::ok && c.latency_s > 0) by_index.emplace(c.index, &c);
  std::vector<double> errors;
  for (const results::CaseResult& p : predicted.cases) {
    const auto it = by_index.find(p.index);
    if (p.status != results::CaseStatus::ok || it == by_index.end()) continue;
    const results::CaseResult& m = *it->second;
    out.cases.push_back({.index = p.index,
                         .topology = p.topology,
                         .gpus = p.gpus,
                         .strategy = p.strategy,
                         .context = p.context,
                         .predicted_s = p.latency_s,
                         .measured_s = m.latency_s,
                         .measured_min_s = m.latency_s_min,
                         .measured_max_s = m.latency_s_max,
                         .repetitions = m.repetitions,
                         .spread = (m.latency_s_max - m.latency_s_min) / m.latency_s,
                         .error_percent = error_percent(p.latency_s, m.latency_s)});
    errors.push_back(out.cases.back().error_percent);
  }
  std::tie(out.median_abs_error_percent, out.max_abs_error_percent) = abs_error_summary(errors);
  return out;
}

void add_retimed_predictions(Comparison& comparison, const results::Results& retimed_predicted) {
  std::map<int, double> predicted_s;
  for (const results::CaseResult& p : retimed_predicted.cases)
    if (p.status == results::CaseStatus::ok) predicted_s.emplace(p.index, p.latency_s);
  std::vector<double> errors;
  for (ComparedCase& c : comparison.cases) {
    const auto it = predicted_s.find(c.index);
    if (it == predicted_s.end()) continue;
    c.retimed_predicted_s = it->second;
    c.retimed_error_percent = error_percent(it->second, c.measured_s);
    errors.push_back(*c.retimed_error_percent);
  }
  if (errors.empty()) return;
  std::tie(comparison.retimed_median_abs_error_percent, comparison.retimed_max_abs_error_percent) =
      abs_error_summary(errors);
}

std::string to_json_text(const Comparison& c) {
  nlohmann::json cases = nlohmann::json::array();
  for (const ComparedCase& r : c.cases) {
    nlohmann::json row = r;
    if (const auto& kernel = r.kernel_in_case) {
      row["kernel_bytes_per_rank"] = kernel->bytes;
      row["kernel_profile_GBps"] = kernel->profile_Bps / 1e9;
      row["kernel_in_case_GBps"] = kernel->now_Bps / 1e9;
      row["kernel_change_percent"] = kernel->change_percent();
    }
    if (const auto& rotation = r.rotation_in_case) {
      row["rotation_link_class"] = r.rotation_link_class;
      row["rotation_bytes_per_rank"] = rotation->bytes;
      row["rotation_profile_GBps"] = rotation->profile_Bps / 1e9;
      row["rotation_in_case_GBps"] = rotation->now_Bps / 1e9;
      row["rotation_change_percent"] = rotation->change_percent();
    }
    if (r.retimed_predicted_s) {
      row["retimed_predicted_s"] = *r.retimed_predicted_s;
      row["retimed_error_percent"] = *r.retimed_error_percent;
    }
    cases.push_back(std::move(row));
  }
  nlohmann::json j{{"schema", "clustersim.comparison/1"},
                   {"scenario", c.scenario},
                   {"profile", c.profile},
                   {"summary",
                    {{"cases", c.cases.size()},
                     {"median_abs_error_percent", c.median_abs_error_percent},
                     {"max_abs_error_percent", c.max_abs_error_percent}}},
                   {"cases", cases}};
  if (c.retimed_median_abs_error_percent) {
    j["summary"]["retimed_median_abs_error_percent"] = *c.retimed_median_abs_error_percent;
    j["summary"]["retimed_max_abs_error_percent"] = *c.retimed_max_abs_error_percent;
  }
  if (c.kernel_recheck)
    j["kernel_recheck"] = {{"bytes_per_rank", c.kernel_recheck->bytes},
                           {"profile_GBps", c.kernel_recheck->profile_Bps / 1e9},
                           {"after_live_GBps", c.kernel_recheck->now_Bps / 1e9},
                           {"change_percent", c.kernel_recheck->change_percent()}};
  return j.dump(1) + "\n";
}

std::optional<double> change_percent(const std::optional<RateRecheck>& rate) {
  return rate ? std::optional(rate->change_percent()) : std::nullopt;
}

std::string to_csv(const Comparison& c) {
  std::string out =
      "index,topology,gpus,strategy,context,predicted_s,measured_s,measured_min_s,measured_max_s,repetitions,spread,"
      "error_percent,kernel_change_percent,rotation_change_percent,retimed_predicted_s,retimed_error_percent\n";
  const auto optional_field = [](const std::optional<double>& value) {
    return value ? fmt::format("{}", *value) : std::string();
  };
  for (const ComparedCase& r : c.cases)
    out +=
        fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", r.index, csv_field(r.topology), r.gpus,
                    csv_field(r.strategy), r.context, r.predicted_s, r.measured_s, r.measured_min_s, r.measured_max_s,
                    r.repetitions, r.spread, r.error_percent, optional_field(change_percent(r.kernel_in_case)),
                    optional_field(change_percent(r.rotation_in_case)), optional_field(r.retimed_predicted_s),
                    optional_field(r.retimed_error_percent));
  return out;
}

}  // namespace clustersim::results
