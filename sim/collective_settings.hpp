// SPDX-License-Identifier: Apache-2.0
// How collectives are run: NCCL-like automatic choice of algorithm and protocol by message size
// and topology, or a fixed choice (as NCCL_ALGO / NCCL_PROTO force one).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace clustersim::sim {

/// ring: 2(p-1) neighbour steps; tree: NCCL's double binary tree over nodes with a chain inside
/// each node, pipelined in chunks; hierarchical: reduce-scatter inside nodes, allreduce across
/// nodes, allgather inside nodes. Only allreduce has a choice; the other collectives use rings.
enum class Algorithm { automatic, ring, tree, hierarchical };
/// NCCL's protocols: LL (8-byte flag+data stores), LL128 (128-byte lines), Simple (bulk + fences).
enum class Protocol { automatic, ll, ll128, simple };

struct CollectiveSettings {
  Algorithm algorithm = Algorithm::automatic;
  Protocol protocol = Protocol::automatic;
};

const char* to_string(Algorithm algorithm);  ///< auto, ring, tree, hierarchical
const char* to_string(Protocol protocol);    ///< auto, LL, LL128, Simple
std::optional<Algorithm> algorithm_from_string(const std::string& text);
std::optional<Protocol> protocol_from_string(const std::string& text);
std::vector<std::string> algorithm_names();
std::vector<std::string> protocol_names();

}  // namespace clustersim::sim
