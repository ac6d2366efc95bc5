// SPDX-License-Identifier: Apache-2.0
// Route caching by rank pair, batched by source.
#include "sim/rank_routes.hpp"

#include <algorithm>
#include <map>

namespace clustersim::sim {

void RankRoutes::prefetch(const std::vector<std::pair<int, int>>& pairs) {
  std::map<int, std::vector<int>> destinations;
  for (const auto& [from, to] : pairs)
    if (!routes_.count(key(from, to))) destinations[from].push_back(to);
  for (auto& [from, ranks] : destinations) {
    std::sort(ranks.begin(), ranks.end());
    ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
    std::vector<int> vertices;
    for (int r : ranks) vertices.push_back(gpu_of_rank_[r]);
    std::vector<topo::Route> found = topology_.routes_from(gpu_of_rank_[from], vertices);
    for (std::size_t i = 0; i < ranks.size(); ++i) routes_.emplace(key(from, ranks[i]), std::move(found[i]));
  }
}

const topo::Route& RankRoutes::get(int from, int to) {
  prefetch({{from, to}});
  return routes_.at(key(from, to));
}

}  // namespace clustersim::sim
