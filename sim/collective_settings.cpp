// SPDX-License-Identifier: Apache-2.0
// Names of collective algorithms and protocols, as NCCL spells them.
#include "sim/collective_settings.hpp"

namespace clustersim::sim {

const char* to_string(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::automatic: return "auto";
    case Algorithm::ring: return "ring";
    case Algorithm::tree: return "tree";
    case Algorithm::hierarchical: return "hierarchical";
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

std::vector<std::string> algorithm_names() { return {"auto", "ring", "tree", "hierarchical"}; }
std::vector<std::string> protocol_names() { return {"auto", "LL", "LL128", "Simple"}; }

}  // namespace clustersim::sim
