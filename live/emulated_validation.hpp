// SPDX-License-Identifier: Apache-2.0
// Validation on the emulated cluster: for each cluster a scenario's cases need (nodes, ranks per
// node, inter-node rate), build it, measure its inter-node link with the MPI probe, write the
// measured profile extended with that `ethernet` link, then predict and run the cases on it.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "live/run_live.hpp"
#include "reports/results.hpp"
#include "scenarios/scenario.hpp"

namespace clustersim::live {

/// Whether a case runs on an emulated cluster (its topology is the `emulated_cluster` generator).
bool on_emulated_cluster(const scenarios::Case& c);

/// Adds `from`'s cases to `into` (taking its header if `into` has none), in case-index order.
void merge_cases(reports::Results& into, const reports::Results& from);

struct EmulatedRuns {
  reports::Results predicted;
  reports::Results measured;
  /// The per-cluster profiles written, file name → text, for the output directory.
  std::map<std::string, std::string> files;
};

/// Predicts and runs the scenario's emulated-cluster cases, each cluster in turn, from the
/// machine's measured `profile`. Throws: LaunchError when the cluster cannot be built (not root)
/// or a job fails; the cluster is removed in every case.
EmulatedRuns run_on_emulated_clusters(const scenarios::Scenario& scenario, const std::filesystem::path& profile,
                                      const std::filesystem::path& staging, const LiveOptions& live,
                                      const std::function<void(const std::string&)>& say);

}  // namespace clustersim::live
