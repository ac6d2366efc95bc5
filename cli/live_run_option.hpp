// SPDX-License-Identifier: Apache-2.0
// The options of a live run that `live` and `validate` both take: repetitions, warm-up, quiet,
// oversubscribe; one definition so that both commands read and say them alike.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "pipelines/run_live.hpp"

namespace clustersim::cli {

struct LiveRunOption {
  int reps = live::LiveOptions{}.repetitions;
  int warmup = live::LiveOptions{}.warmup;
  bool quiet = false;
  bool oversubscribe = false;

  /// Registers --reps (described by `reps_help`), --warmup, --quiet and --oversubscribe.
  void add_to(CLI::App& command, const std::string& reps_help);
  /// The live options they set; warns on stderr when oversubscribing.
  live::LiveOptions live_options() const;
};

}  // namespace clustersim::cli
