// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the topology tests: the
// message a failed load produces, and a field-by-field comparison of two topologies.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "common/input_error.hpp"
#include "support/scratch_dir.hpp"
#include "topologies/topology.hpp"

namespace clustersim::topo::testing {

using clustersim::testing::ScratchDir;

/// The full message of the InputError that loading `path` throws; fails the test if none is thrown.
inline std::string load_error(const std::string& path) {
  try {
    load_topology(path);
  } catch (const InputError& e) { return e.what(); }
  FAIL("load_topology(\"" << path << "\") accepted the file");
  return {};
}

/// Checks that two topologies have the same name, flags, vertices and edges, figures bit for bit.
inline void check_same_graph(const Topology& got, const Topology& want) {
  CHECK(got.name() == want.name());
  CHECK(got.gpu_peer_to_peer() == want.gpu_peer_to_peer());
  REQUIRE(got.vertices().size() == want.vertices().size());
  for (std::size_t v = 0; v < want.vertices().size(); ++v) {
    const Vertex &g = got.vertices()[v], &w = want.vertices()[v];
    INFO("vertex " << w.id);
    CHECK(g.id == w.id);
    CHECK(g.kind == w.kind);
    CHECK(g.node == w.node);
    CHECK(g.backplane_Bps == w.backplane_Bps);
    CHECK(g.memory_capacity_B == w.memory_capacity_B);
    CHECK(g.source == w.source);
  }
  REQUIRE(got.edges().size() == want.edges().size());
  for (std::size_t i = 0; i < want.edges().size(); ++i) {
    const Edge &g = got.edges()[i], &w = want.edges()[i];
    INFO("edge " << want.vertices()[w.a].id << "--" << want.vertices()[w.b].id);
    CHECK(g.a == w.a);
    CHECK(g.b == w.b);
    CHECK(g.link_class == w.link_class);
    CHECK(g.bandwidth_Bps == w.bandwidth_Bps);
    CHECK(g.latency_s == w.latency_s);
    CHECK(g.duplex == w.duplex);
    CHECK(g.source == w.source);
  }
}

}  // namespace clustersim::topo::testing
