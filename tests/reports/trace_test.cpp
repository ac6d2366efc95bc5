// SPDX-License-Identifier: Apache-2.0
// The trace file follows the trace-event format: required fields on every event, a named
// process per device, monotonic timestamps per track, slices named after task-graph ops.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "model/strategy.hpp"
#include "reports/trace.hpp"
#include "sim/simulate.hpp"
#include "support/fixtures.hpp"

using namespace clustersim;

TEST_CASE("reports: a ring decode trace is valid trace-event JSON with a process per device", "[reports]") {
  const auto topology = testing::star(4, 450e9, 0.5e-6);
  const auto device = testing::round_device();
  const model::AttentionShape shape{.context = 1 << 20};
  const model::DecodePlan plan = model::plan_decode({.name = "ring"}, shape, {std::vector<int>(4, 0)});
  const auto result = sim::simulate(
      plan.graph,
      {.topology = &topology, .gpu_of_rank = topology.devices(), .device = &device, .record_timeline = true});
  const auto trace = nlohmann::json::parse(
      reports::chrome_trace_json(result, plan.graph, {"gpu0", "gpu1", "gpu2", "gpu3"}, "ring on a star"));

  std::set<int> named_processes;
  std::map<std::pair<int, int>, double> last_start;
  std::set<std::string> names;
  for (const auto& e : trace.at("traceEvents")) {
    REQUIRE(e.contains("ph"));
    REQUIRE(e.contains("pid"));
    REQUIRE(e.contains("tid"));
    if (e["ph"] == "M") {
      if (e["name"] == "process_name") named_processes.insert(e["pid"].get<int>());
      continue;
    }
    CHECK(e["ph"] == "X");
    for (const char* field : {"name", "cat", "ts", "dur", "args"}) CHECK(e.contains(field));
    CHECK(e["dur"].get<double>() >= 0);
    CHECK(e["ts"].get<double>() + e["dur"].get<double>() <= result.latency_s * 1e6 * (1 + 1e-12));
    const auto track = std::make_pair(e["pid"].get<int>(), e["tid"].get<int>());
    CHECK(e["ts"].get<double>() >= last_start[track]);  // monotonic per track
    last_start[track] = e["ts"].get<double>();
    names.insert(e["name"].get<std::string>());
  }
  CHECK(named_processes == std::set<int>{0, 1, 2, 3});
  for (const char* op : {"broadcast_query", "attend_chunk_0", "attend_chunk_3", "kv_hop_0", "kv_hop_2"})
    CHECK(names.count(op) == 1);
  CHECK(trace["otherData"]["title"] == "ring on a star");
}
