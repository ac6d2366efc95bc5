// SPDX-License-Identifier: Apache-2.0
// Names of collective libraries, algorithms and protocols (as NCCL and Open MPI spell them).
#include "sim/collective_settings.hpp"

namespace clustersim::sim {

const char* to_string(Library library) { return library == Library::mpi ? "mpi" : "nccl"; }

const char* to_string(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::automatic: return "auto";
    case Algorithm::ring: return "ring";
    case Algorithm::tree: return "tree";
    case Algorithm::hierarchical: return "hierarchical";
    case Algorithm::recursive_doubling: return "recursive_doubling";
    case Algorithm::rabenseifner: return "rabenseifner";
  }
  return "?";
}

const char* to_string(Protocol protocol) {
  switch (protocol) {
    case Protocol::automatic: return "auto";
    case Protocol::ll: return "LL";
    case Protocol::ll128: return "LL128";
    case Protocol::simple: return "Simple";
  }
  return "?";
}

std::optional<Library> library_from_string(const std::string& text) {
  for (Library l : {Library::nccl, Library::mpi})
    if (text == to_string(l)) return l;
  return std::nullopt;
}

std::optional<Algorithm> algorithm_from_string(const std::string& text) {
  for (Algorithm a : {Algorithm::automatic, Algorithm::ring, Algorithm::tree, Algorithm::hierarchical})
    if (text == to_string(a)) return a;
  return std::nullopt;
}

std::optional<Protocol> protocol_from_string(const std::string& text) {
  for (Protocol p : {Protocol::automatic, Protocol::ll, Protocol::ll128, Protocol::simple})
    if (text == to_string(p)) return p;
  return std::nullopt;
}

std::vector<std::string> library_names() { return {"nccl", "mpi"}; }
std::vector<std::string> algorithm_names() { return {"auto", "ring", "tree", "hierarchical"}; }
std::vector<std::string> protocol_names() { return {"auto", "LL", "LL128", "Simple"}; }

}  // namespace clustersim::sim
