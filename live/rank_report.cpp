// SPDX-License-Identifier: Apache-2.0
#include "live/rank_report.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace clustersim::live {

RankReport parse_rank_report(const std::string& stdout_text) {
  std::istringstream lines(stdout_text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("{\"program\":\"clustersim_live_", 0) != 0) continue;  // the CPU or the GPU program
    try {
      const nlohmann::json j = nlohmann::json::parse(line);
      RankReport r{.rep_seconds = j.at("rep_seconds").get<std::vector<double>>(),
                   .max_relative_error = j.at("max_relative_error").get<double>(),
                   .tolerance = j.at("tolerance").get<double>(),
                   .ranks = j.at("ranks").get<int>()};
      if (r.rep_seconds.empty()) break;
      if (j.contains("kernel_seconds")) {
        r.kernel_seconds = j.at("kernel_seconds").get<std::vector<double>>();
        r.kernel_tokens = j.at("kernel_tokens").get<long long>();
      }
      if (j.contains("rotation_seconds")) {
        r.rotation_seconds = j.at("rotation_seconds").get<std::vector<double>>();
        r.rotation_bytes = j.at("rotation_bytes").get<double>();
      }
      if (j.contains("timeline"))
        for (const nlohmann::json& s : j.at("timeline"))
          r.timeline.push_back({.rank = s.at(0).get<int>(),
                                .name = s.at(1).get<std::string>(),
                                .kind = s.at(2).get<std::string>(),
                                .start_s = s.at(3).get<double>(),
                                .end_s = s.at(4).get<double>(),
                                .bytes = s.at(5).get<double>()});
      return r;
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error("the rank program's report is malformed (" + std::string(e.what()) + "): " + line);
    }
  }
  throw std::runtime_error("the rank program printed no report; its output was:\n" + stdout_text);
}

}  // namespace clustersim::live
