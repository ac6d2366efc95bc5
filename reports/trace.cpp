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

constexpr std::array<const char*, 5> kTracks{"compute", "send", "recv", "collective", "host_copy"};

int track_of(const std::string& kind) {
  const auto it = std::find(kTracks.begin(), kTracks.end(), kind);
  return it == kTracks.end() ? static_cast<int>(kTracks.size()) : static_cast<int>(it - kTracks.begin());
}

}  // namespace

std::string chrome_trace_json(const std::vector<std::vector<TraceSlice>>& slices,
                              const std::vector<std::string>& devices, const std::string& title, double latency_s) {
  nlohmann::json events = nlohmann::json::array();
  for (std::size_t rank = 0; rank < slices.size(); ++rank) {
    const int pid = static_cast<int>(rank);
    events.push_back({{"ph", "M"},
                      {"name", "process_name"},
                      {"pid", pid},
                      {"tid", 0},
                      {"args", {{"name", "rank " + std::to_string(rank) + " (" + devices.at(rank) + ")"}}}});
    events.push_back(
        {{"ph", "M"}, {"name", "process_sort_index"}, {"pid", pid}, {"tid", 0}, {"args", {{"sort_index", pid}}}});
    for (std::size_t t = 0; t < kTracks.size(); ++t)
      events.push_back({{"ph", "M"},
                        {"name", "thread_name"},
                        {"pid", pid},
                        {"tid", static_cast<int>(t)},
                        {"args", {{"name", kTracks[t]}}}});
    std::vector<TraceSlice> ordered = slices[rank];
    std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
      return track_of(a.kind) != track_of(b.kind) ? track_of(a.kind) < track_of(b.kind) : a.start_s < b.start_s;
    });
    for (const TraceSlice& s : ordered) {
      nlohmann::json args{{"bytes", s.bytes}};
      if (s.op >= 0) args["op"] = s.op;
      events.push_back({{"ph", "X"},
                        {"name", s.name},
                        {"cat", s.kind},
                        {"pid", pid},
                        {"tid", track_of(s.kind)},
                        {"ts", s.start_s * 1e6},
                        {"dur", (s.end_s - s.start_s) * 1e6},
                        {"args", args}});
    }
  }
  const nlohmann::json trace{
      {"traceEvents", events}, {"displayTimeUnit", "ns"}, {"otherData", {{"title", title}, {"latency_s", latency_s}}}};
  return trace.dump() + "\n";
}

std::string chrome_trace_json(const sim::SimulationResult& result, const model::TaskGraph& graph,
                              const std::vector<std::string>& devices, const std::string& title) {
  std::vector<std::vector<TraceSlice>> slices;
  for (const std::vector<sim::Interval>& rank : result.timeline) {
    slices.emplace_back();
    for (const sim::Interval& i : rank)
      slices.back().push_back({.name = graph.op(i.op).name,
                               .kind = i.kind,
                               .start_s = i.start_s,
                               .end_s = i.end_s,
                               .bytes = i.bytes,
                               .op = i.op});
  }
  return chrome_trace_json(slices, devices, title, result.latency_s);
}

}  // namespace clustersim::reports
