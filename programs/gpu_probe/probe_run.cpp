// SPDX-License-Identifier: Apache-2.0
#include "programs/gpu_probe/probe_run.hpp"

#include <iostream>

namespace clustersim::gpu_probe {

void ProbeRun::progress(const std::string& group, int step, int steps, const std::string& what) const {
  std::cerr << "[cuda] " << group << ' ' << step << '/' << steps << ' ' << what << std::endl;
}

void ProbeRun::write_csv(const std::string& file, const CsvTable& table) const {
  write_file_atomically(out / file, table.text());
}

std::vector<std::size_t> geometric_sizes(std::size_t from, std::size_t to, std::size_t factor) {
  std::vector<std::size_t> sizes;
  for (std::size_t s = from; s <= to; s *= factor) sizes.push_back(s);
  return sizes;
}

std::string curve_text(const std::vector<std::pair<double, double>>& points) {
  std::string text;
  for (const auto& [x, y] : points) {
    if (!text.empty()) text += ';';
    text += num(x);
    text += ':';
    text += num(y);
  }
  return text;
}

}  // namespace clustersim::gpu_probe
