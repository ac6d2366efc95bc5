// SPDX-License-Identifier: Apache-2.0
// Running the plotting tools the reports use — gnuplot and Graphviz's dot — as filters: text
// in, SVG out. They are Debian packages (gnuplot-nox, graphviz) that scripts/setup.sh installs.
#pragma once

#include <string>
#include <vector>

namespace clustersim::reports {

/// Runs `command` (argv; no shell), feeding it `input` on stdin, and returns its stdout.
/// Throws: std::runtime_error naming the program, its exit status and its stderr when it is
/// missing or fails; LaunchError when it dies of a signal or runs past two minutes.
std::string run_filter(const std::vector<std::string>& command, const std::string& input);

/// A gnuplot script rendered to SVG (the script sets the svg terminal itself).
std::string gnuplot_svg(const std::string& script);

/// A Graphviz graph rendered to SVG with dot.
std::string dot_svg(const std::string& graph);

/// `svg` from its `<svg` element on (no XML prolog or doctype), ready to inline into HTML.
std::string inline_svg(const std::string& svg);

}  // namespace clustersim::reports
