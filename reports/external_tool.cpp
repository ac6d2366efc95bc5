// SPDX-License-Identifier: Apache-2.0
// Filters through a shell with temporary files: simple, and these tools run a handful of times
// per report.
#include "reports/external_tool.hpp"

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

namespace clustersim::reports {
namespace {

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string run_filter(const std::string& program, const std::string& args, const std::string& input) {
  namespace fs = std::filesystem;
  std::string pattern = (fs::temp_directory_path() / "clustersim_tool_XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot create a temporary directory for " + program);
  const fs::path dir = pattern;
  std::ofstream(dir / "in", std::ios::binary) << input;
  const std::string command = fmt::format("{} {} <'{}' >'{}' 2>'{}'", program, args, (dir / "in").string(),
                                          (dir / "out").string(), (dir / "err").string());
  const int status = std::system(command.c_str());
  std::string out = slurp(dir / "out");
  const std::string err = slurp(dir / "err");
  fs::remove_all(dir);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
      throw std::runtime_error(program + " is not installed (scripts/setup.sh installs it)");
    throw std::runtime_error(fmt::format("{} failed (status {}): {}", program, status, err));
  }
  return out;
}

std::string gnuplot_svg(const std::string& script) { return run_filter("gnuplot", "", script); }

std::string dot_svg(const std::string& graph) { return run_filter("dot", "-Tsvg", graph); }

std::string inline_svg(const std::string& svg) {
  const std::size_t start = svg.find("<svg");
  return start == std::string::npos ? std::string{} : svg.substr(start);
}

}  // namespace clustersim::reports
