// SPDX-License-Identifier: Apache-2.0
// Reports as files: self-contained HTML with every figure drawn, numbers that match the results,
// and comparisons that join two runs and compute their ratios.
#include <catch2/catch.hpp>

#include "pipelines/simulate_scenario.hpp"
#include "reports/report.hpp"
#include "scenarios/scenario.hpp"

#include <fmt/format.h>

using namespace clustersim;

namespace {

const results::Results& default_results() {
  static const results::Results results =
      pipelines::simulate_scenario(scenarios::parse_scenario(scenarios::default_scenario_yaml(), "<embedded default>"));
  return results;
}

}  // namespace

TEST_CASE("reports: the default scenario's report draws every figure and needs nothing online", "[reports]") {
  const reports::ReportFiles report = reports::make_report(default_results());
  for (const char* id : {"latency-vs-context", "ring-tree-speedup", "time-breakdown", "link-bytes", "topology-1"}) {
    const std::size_t at = report.html.find(std::string("<figure id=\"") + id + "\"");
    REQUIRE(at != std::string::npos);
    CHECK(report.html.find("<svg", at) < report.html.find("</figure>", at));
  }
  for (const char* online : {"<script", "<link", "src=", "@import", "url("})
    CHECK(report.html.find(online) == std::string::npos);
  AND_THEN("its tables show the results' numbers") {
    const auto& tree = default_results().cases.front();
    CHECK(report.html.find(fmt::format("<td>{:.2f}</td>", tree.latency_s * 1e6)) != std::string::npos);
    CHECK(report.markdown.find(fmt::format("| {:.2f} |", tree.latency_s * 1e6)) != std::string::npos);
    CHECK(report.csv == results::to_csv(default_results()));
  }
  AND_THEN("every device figure's source is listed") {
    CHECK(report.html.find("Provenance of the device figures") != std::string::npos);
    CHECK(report.html.find("assumption until calibrated") != std::string::npos);
  }
}

TEST_CASE("reports: a comparison joins the runs' cases and reports B/A and the error of A", "[reports]") {
  results::Results a = default_results();
  results::Results b = default_results();
  for (auto& c : b.cases) c.latency_s *= 1.25;  // B is 25 % slower everywhere
  const reports::ReportFiles cmp = reports::make_comparison(a, "simulated", b, "measured");
  CHECK(cmp.markdown.find("8 cases in both runs; |error| of simulated against measured: median 20.0 %, max 20.0 %") !=
        std::string::npos);
  CHECK(cmp.html.find("<figure id=\"comparison-scatter\"") != std::string::npos);
  CHECK(cmp.csv.find(",1.25,-20") != std::string::npos);
}
