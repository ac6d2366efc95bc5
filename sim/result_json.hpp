// SPDX-License-Identifier: Apache-2.0
// JSON mappings of the simulation result types (nlohmann::json), shared by the child-process
// pipe in simulate.cpp and the results files in reports/.
#pragma once

#include <nlohmann/json.hpp>

#include "sim/simulate.hpp"

namespace clustersim::sim {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Interval, kind, op, start_s, end_s, bytes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(DeviceTimes, finish_s, compute_s, comm_s, exposed_comm_s, idle_s, bytes_sent,
                                   compute_s_by_category)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(LinkTraffic, link, link_class, bytes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CollectiveRun, op, kind, algorithm, protocol, ranks, bytes, estimate_s)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SimulationResult, latency_s, devices, links, link_bytes_by_class, collectives,
                                   timeline, op_end_s, engine_peak_rss_bytes)

}  // namespace clustersim::sim
