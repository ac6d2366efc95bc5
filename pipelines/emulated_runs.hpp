// SPDX-License-Identifier: Apache-2.0
// A scenario's cases on the emulated cluster: for each cluster they need (nodes, ranks per node,
// inter-node rate), build it and run its cases there, live (`clustersim live`) or, for
// validation, after measuring its inter-node link with the MPI probe and predicting the cases
// with the machine's profile extended by that measured `ethernet` link.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "pipelines/run_live.hpp"
#include "scenarios/scenario.hpp"
#include "schemas/results.hpp"

namespace clustersim::live {

using Say = std::function<void(const std::string&)>;

/// Whether a case runs on an emulated cluster (its topology is the `emulated_cluster` generator).
bool on_emulated_cluster(const scenarios::Case& c);

/// Adds `from`'s cases to `into` (taking its header if `into` has none), in case-index order.
void merge_cases(results::Results& into, const results::Results& from);

/// Runs the scenario's emulated-cluster cases live, each cluster built in turn and removed after.
/// Throws: LaunchError when a cluster cannot be built (not root) or a job fails.
results::Results run_live_on_emulated_clusters(const scenarios::Scenario& scenario, const LiveOptions& live,
                                               const Say& say);

struct EmulatedRuns {
  results::Results predicted;
  results::Results measured;
  /// The per-cluster profiles written, file name → text, for the output directory.
  std::map<std::string, std::string> files;
  /// The name (in `files`) of the profile each case was predicted with, by case index.
  std::map<int, std::string> profile_of_case;
};

/// Predicts and runs the scenario's emulated-cluster cases, each cluster in turn, from the
/// machine's measured `profile` (the per-cluster profiles are staged in `staging`). Throws as
/// run_live_on_emulated_clusters; the cluster is removed in every case.
EmulatedRuns validate_on_emulated_clusters(const scenarios::Scenario& scenario, const std::filesystem::path& profile,
                                           const std::filesystem::path& staging, const LiveOptions& live,
                                           const Say& say);

}  // namespace clustersim::live
