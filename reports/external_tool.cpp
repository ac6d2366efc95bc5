// SPDX-License-Identifier: Apache-2.0
// The tools run as argument vectors through the process runner, never through a shell: no text
// of a report (labels come from results files, topology names, scenario names) can reach a
// command line.
#include "reports/external_tool.hpp"

#include <fmt/format.h>

#include "common/process_runner.hpp"

namespace clustersim::reports {

std::string run_filter(const std::vector<std::string>& command, const std::string& input) {
  const ProcessOutput output =
      run_process({.command = command, .what = command.front(), .timeout = std::chrono::seconds(120), .input = input});
  if (output.exit_code == 127 && output.stderr_text.empty())
    throw std::runtime_error(command.front() + " is not installed (scripts/setup.sh installs it)");
  if (output.exit_code != 0)
    throw std::runtime_error(
        fmt::format("{} failed (exit status {}): {}", command.front(), output.exit_code, output.stderr_text));
  return output.stdout_text;
}

std::string gnuplot_svg(const std::string& script) { return run_filter({"gnuplot"}, script); }

std::string dot_svg(const std::string& graph) { return run_filter({"dot", "-Tsvg"}, graph); }

std::string inline_svg(const std::string& svg) {
  const std::size_t start = svg.find("<svg");
  return start == std::string::npos ? std::string{} : svg.substr(start);
}

}  // namespace clustersim::reports
