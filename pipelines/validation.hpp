// SPDX-License-Identifier: Apache-2.0
// `clustersim validate`: the scenario predicted with this machine's measured profile and run
// live, joined case by case. Without a profile, calibration measures one first. Everything lands
// in one output directory, written whole or not at all.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "pipelines/run_live.hpp"
#include "scenarios/scenario.hpp"
#include "schemas/comparison.hpp"

namespace clustersim::live {

struct ValidationOptions {
  std::filesystem::path profile;  ///< measured device profile; empty = calibrate (quick) first
  std::filesystem::path out;      ///< the output directory
  LiveOptions live;
  std::function<void(const std::string&)> progress;  ///< one line per step, may be empty
};

/// The scenario with every case's device profile replaced by `profile`: the prediction of
/// this machine, through the normal profile file.
scenarios::Scenario with_device_profile(scenarios::Scenario scenario, const std::filesystem::path& profile);

/// Calibrates if asked, simulates, runs live, compares, and writes into `options.out`:
/// results.json/.csv (the live run), predicted_results.json/.csv (the simulation),
/// comparison.json/.csv, report.html/report.md (the comparison report, when gnuplot and dot
/// are there) and, when it calibrated, profile.yaml with its raw sweeps.
/// Throws as run_live, simulate_scenario and run_calibration do; never for a large error.
results::Comparison validate(const scenarios::Scenario& scenario, const ValidationOptions& options);

}  // namespace clustersim::live
