// SPDX-License-Identifier: Apache-2.0
#include "cli/live_run_option.hpp"

#include <cstdio>

namespace clustersim::cli {

void LiveRunOption::add_to(CLI::App& command, const std::string& reps_help) {
  command.add_option("--reps", reps, reps_help)->capture_default_str()->check(CLI::PositiveNumber);
  command.add_option("--warmup", warmup, "Untimed repetitions before them")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  command.add_flag("-q,--quiet", quiet, "No progress lines on stderr");
  command.add_flag("--oversubscribe", oversubscribe,
                   "Run cases that need more ranks than this machine has cores (timings suffer)");
}

live::LiveOptions LiveRunOption::live_options() const {
  if (oversubscribe)
    std::fputs("clustersim: warning: --oversubscribe: ranks may share cores, so the measured times suffer\n", stderr);
  return {.repetitions = reps, .warmup = warmup, .oversubscribe = oversubscribe};
}

}  // namespace clustersim::cli
