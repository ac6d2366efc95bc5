// SPDX-License-Identifier: Apache-2.0
// Trace-event format ("Trace Event Format", Google): complete events (ph "X") with microsecond
// timestamps, and metadata events (ph "M") naming processes and threads. Events of a track are
// written in start order, so timestamps are monotonic per track.
#include "reports/trace.hpp"

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

namespace clustersim::reports {
namespace {

constexpr std::array<const char*, 4> kTracks{"compute", "send", "recv", "collective"};

int track_of(const std::string& kind) {
  const auto it = std::find(kTracks.begin(), kTracks.end(), kind);
  return it == kTracks.end() ? static_cast<int>(kTracks.size()) : static_cast<int>(it - kTracks.begin());
}

}  // namespace

std::string chrome_trace_json(const sim::SimulationResult& result, const model::TaskGraph& graph,
                              const std::vector<std::string>& devices, const std::string& title) {
  nlohmann::json events = nlohmann::json::array();
  for (std::size_t rank = 0; rank < result.timeline.size(); ++rank) {
    const int pid = static_cast<int>(rank);
    events.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", pid}, {"tid", 0},
                      {"args", {{"name", "rank " + std::to_string(rank) + " (" + devices.at(rank) + ")"}}}});
    events.push_back({{"ph", "M"}, {"name", "process_sort_index"}, {"pid", pid}, {"tid", 0},
                      {"args", {{"sort_index", pid}}}});
    for (std::size_t t = 0; t < kTracks.size(); ++t)
      events.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", pid}, {"tid", static_cast<int>(t)},
                        {"args", {{"name", kTracks[t]}}}});
    std::vector<sim::Interval> slices = result.timeline[rank];
    std::stable_sort(slices.begin(), slices.end(), [](const auto& a, const auto& b) {
      return track_of(a.kind) != track_of(b.kind) ? track_of(a.kind) < track_of(b.kind) : a.start_s < b.start_s;
    });
    for (const sim::Interval& i : slices) {
      const model::Op& op = graph.op(i.op);
      events.push_back({{"ph", "X"},
                        {"name", op.name},
                        {"cat", i.kind},
                        {"pid", pid},
                        {"tid", track_of(i.kind)},
                        {"ts", i.start_s * 1e6},
                        {"dur", (i.end_s - i.start_s) * 1e6},
                        {"args", {{"bytes", i.bytes}, {"op", i.op}}}});
    }
  }
  const nlohmann::json trace{{"traceEvents", events},
                             {"displayTimeUnit", "ns"},
                             {"otherData", {{"title", title}, {"latency_s", result.latency_s}}}};
  return trace.dump() + "\n";
}

}  // namespace clustersim::reports
