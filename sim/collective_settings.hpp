// SPDX-License-Identifier: Apache-2.0
// How collectives are run: by which library's model (NCCL, or MPI as Open MPI 4.1 runs it), and
// for NCCL an automatic choice of algorithm and protocol by message size and topology, or a
// fixed choice (as NCCL_ALGO / NCCL_PROTO force one).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace clustersim::sim {

/// nccl: NCCL's algorithms with its protocol latencies and wire overheads (sim/collectives/
/// nccl_model.hpp). mpi: a message costs its route's latency plus its bytes over the flows, and
/// allreduce follows Open MPI 4.1's fixed decision (sim/collectives/mpi_model.hpp).
enum class Library { nccl, mpi };

/// ring: 2(p-1) neighbour steps; tree: NCCL's double binary tree over nodes with a chain inside
/// each node, pipelined in chunks; hierarchical: reduce-scatter inside nodes, allreduce across
/// nodes, allgather inside nodes. Only allreduce has a choice; the other collectives use rings.
/// recursive_doubling and rabenseifner are Open MPI's (library mpi only, never chosen by name).
enum class Algorithm { automatic, ring, tree, hierarchical, recursive_doubling, rabenseifner };
/// NCCL's protocols: LL (8-byte flag+data stores), LL128 (128-byte lines), Simple (bulk + fences).
enum class Protocol { automatic, ll, ll128, simple };

struct CollectiveSettings {
  Algorithm algorithm = Algorithm::automatic;  ///< nccl only
  Protocol protocol = Protocol::automatic;     ///< nccl only
  Library library = Library::nccl;
};

const char* to_string(Library library);      ///< nccl, mpi
const char* to_string(Algorithm algorithm);  ///< auto, ring, tree, hierarchical, recursive_doubling, rabenseifner
const char* to_string(Protocol protocol);    ///< auto, LL, LL128, Simple
std::optional<Library> library_from_string(const std::string& text);
/// The algorithms a scenario may force (NCCL's).
std::optional<Algorithm> algorithm_from_string(const std::string& text);
std::optional<Protocol> protocol_from_string(const std::string& text);
std::vector<std::string> library_names();
std::vector<std::string> algorithm_names();
std::vector<std::string> protocol_names();

}  // namespace clustersim::sim
