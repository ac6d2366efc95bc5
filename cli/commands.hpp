// SPDX-License-Identifier: Apache-2.0
// The clustersim subcommands; each file in cli/ registers one on the application.
#pragma once

#include <CLI/CLI.hpp>

namespace clustersim::cli {

/// `clustersim simulate [SCENARIO] [--out DIR] [--jobs N] [--quiet]`
void add_simulate_command(CLI::App& app);
/// `clustersim report RESULTS... [--out DIR]`
void add_report_command(CLI::App& app);
/// `clustersim live SCENARIO [--out DIR] [--reps N] [--warmup N] [--quiet] [--oversubscribe] [--trace FILE]`
void add_live_command(CLI::App& app);
/// `clustersim validate SCENARIO [--profile FILE] [--out DIR]`
void add_validate_command(CLI::App& app);
/// `clustersim collective OPERATION [--topology SPEC] [-g N] [-b MIN] [-e MAX] [-f FACTOR] [-d TYPE] [--out DIR]`
void add_collective_command(CLI::App& app);
/// `clustersim topology show FILE|GENERATOR [--format summary|dot|graphml]`
void add_topology_command(CLI::App& app);
/// `clustersim calibrate [--out FILE] [--quick] [--only GROUP]... [--ranks N] [--quiet]`
void add_calibrate_command(CLI::App& app);
/// `clustersim block-trace generate [--steps N] [--layers N] ... [-o FILE]` and `block-trace replay FILE`
void add_block_trace_command(CLI::App& app);

}  // namespace clustersim::cli
