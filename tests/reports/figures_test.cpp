// SPDX-License-Identifier: Apache-2.0
// The report's data pipeline: which figures which results call for, and that the numbers drawn
// are the numbers in the results.
#include <catch2/catch.hpp>

#include <algorithm>

#include "reports/figures.hpp"

using namespace clustersim::reports;

namespace {

CaseResult case_of(const std::string& strategy, int gpus, std::int64_t context, double latency_s) {
  CaseResult c{
      .topology = "rtx4090_box:gpus=" + std::to_string(gpus), .gpus = gpus, .strategy = strategy, .context = context};
  c.latency_s = latency_s;
  c.compute_s = latency_s / 2;
  c.exposed_comm_s = latency_s / 2;
  c.link_bytes_by_class = {{"pcie", 1e9}};
  return c;
}

std::vector<std::string> ids(const std::vector<FigureSpec>& figures) {
  std::vector<std::string> out;
  for (const auto& f : figures) out.push_back(f.id);
  return out;
}

}  // namespace

TEST_CASE("reports: tree and ring over contexts and GPU counts call for every figure", "[reports]") {
  Results r;
  for (int gpus : {2, 4})
    for (std::int64_t context : {80000, 160000}) {
      r.cases.push_back(case_of("tree", gpus, context, 1e-4));
      r.cases.push_back(case_of("ring", gpus, context, 3e-3));
    }
  const auto figures = figures_for(r);
  CHECK(ids(figures) == std::vector<std::string>{"latency-vs-context", "ring-tree-speedup", "time-breakdown",
                                                 "link-bytes", "topology-1", "topology-2"});
  AND_THEN("the heatmap shows ring latency over tree latency") {
    CHECK(figures[1].gnuplot.find("\"30.0x\"") != std::string::npos);
  }
  AND_THEN("the latency plot is in microseconds, one series per strategy and configuration") {
    CHECK(figures[0].gnuplot.find("80000 100\n160000 100\n") != std::string::npos);
    CHECK(figures[0].gnuplot.find("'ring, 4 GPUs (rtx4090_box:gpus=4)'") != std::string::npos);
  }
  AND_THEN("topologies are drawn with Graphviz") { CHECK(figures[4].dot.rfind("graph", 0) == 0); }
}

TEST_CASE("reports: one context and one strategy call for no latency curve and no heatmap", "[reports]") {
  Results r;
  r.cases.push_back(case_of("tree", 2, 80000, 1e-4));
  CHECK(ids(figures_for(r)) == std::vector<std::string>{"time-breakdown", "link-bytes", "topology-1"});
}

TEST_CASE("reports: a case out of memory is marked in the heatmap, not drawn", "[reports]") {
  Results r;
  r.cases.push_back(case_of("tree", 2, 80000, 1e-4));
  r.cases.push_back(case_of("ring", 2, 80000, 3e-3));
  r.cases.push_back(case_of("tree", 2, 5120000, 1e-3));
  r.cases.push_back(case_of("ring", 2, 5120000, 0));
  r.cases.back().status = CaseStatus::oom;
  const auto figures = figures_for(r);
  REQUIRE(figures.at(1).id == "ring-tree-speedup");
  CHECK(figures[1].gnuplot.find("1 0 \"out of memory\"") != std::string::npos);
}

TEST_CASE("reports: contexts are labelled the way people write them", "[reports]") {
  CHECK(context_label(80000) == "80k");
  CHECK(context_label(1280000) == "1.28M");
  CHECK(context_label(5120000) == "5.12M");
  CHECK(context_label(1234) == "1234");
}

TEST_CASE("reports: generation cases call for the end-to-end figure, out-of-memory cells marked", "[reports]") {
  Results r;
  for (std::int64_t prompt : {32000, 64000}) {
    CaseResult c = case_of("tree", 2, prompt, 0.5);
    c.model = "llama3.2-1b";
    c.prompt_tokens = prompt;
    c.new_tokens = 10;
    c.prefill_s = 0.3;
    c.total_s = 0.5;
    r.cases.push_back(c);
  }
  r.cases.back().status = CaseStatus::oom;
  const auto figures = figures_for(r);
  REQUIRE(figures.front().id == "generation");
  CHECK(figures.front().gnuplot.find("\"llama3.2-1b tree 2 GPUs 32k\" 0.3 0.2") != std::string::npos);
  CHECK(figures.front().gnuplot.find("1 0 \"out of memory\"") != std::string::npos);
  CHECK(std::find_if(figures.begin(), figures.end(),
                     [](const FigureSpec& f) { return f.id == "latency-vs-context"; }) == figures.end());
}

TEST_CASE("reports: a batch sweep calls for the throughput-latency curve, its best batch marked", "[reports]") {
  Results r;
  // Throughput rises with batch, then falls as the per-call time grows faster than the batch.
  const std::vector<std::pair<int, double>> calls{{1, 1.0}, {4, 2.0}, {16, 10.0}};
  for (const auto& [batch, total_s] : calls) {
    CaseResult c = case_of("offload", 2, 1000, total_s);
    c.model = "llama3.1-8b";
    c.prompt_tokens = 1000;
    c.new_tokens = 8;
    c.batch = batch;
    c.total_s = total_s;
    c.throughput_tokens_per_s = batch * 8 / total_s;
    r.cases.push_back(c);
  }
  CaseResult oom = r.cases.back();
  oom.batch = 64;
  oom.status = CaseStatus::oom;
  r.cases.push_back(oom);
  const auto figures = figures_for(r);
  const auto it =
      std::find_if(figures.begin(), figures.end(), [](const FigureSpec& f) { return f.id == "throughput-latency"; });
  REQUIRE(it != figures.end());
  CHECK(it->gnuplot.find("1 8\n2 16\n10 12.8\n") != std::string::npos);  // by batch, the oom one left out
  CHECK(it->gnuplot.find("2 16 \"b=4\"") != std::string::npos);
  AND_THEN("one batch per set-up draws no curve") {
    r.cases.resize(1);
    CHECK(ids(figures_for(r)) == std::vector<std::string>{"generation", "time-breakdown", "link-bytes", "topology-1"});
  }
}
