// SPDX-License-Identifier: Apache-2.0
// `clustersim topology show`: what a topology file or generator describes — devices, links by
// class, per-GPU injection and bisection bandwidth — or the graph itself as DOT or GraphML.
#include <cstdio>
#include <iostream>

#include "cli/commands.hpp"
#include "topologies/topology.hpp"
#include "topologies/topology_summary.hpp"

namespace clustersim::cli {
namespace {

struct ShowOptions {
  std::string spec;
  std::string format = "summary";
};

void run_show(const ShowOptions& options) {
  const topo::Topology topology = topo::topology_from_spec(options.spec);
  if (options.format == "dot") std::fputs(topo::to_dot(topology).c_str(), stdout);
  else if (options.format == "graphml") topo::write_graphml(topology, std::cout);
  else std::fputs(topo::format_summary(topo::summarize(topology)).c_str(), stdout);
}

}  // namespace

void add_topology_command(CLI::App& app) {
  CLI::App* topology = app.add_subcommand("topology", "Inspect topology graphs and generators");
  topology->require_subcommand(1);
  auto options = std::make_shared<ShowOptions>();
  CLI::App* show = topology->add_subcommand("show", "Summarise a topology, or print it as DOT or GraphML");
  show->add_option("topology", options->spec,
                   "A graph file (.graphml, .dot) or a generator: dgx_h100_cluster[:nodes=N],\n"
                   "mi300x_node[:nodes=N], rtx4090_box[:gpus=2|4|8]")
      ->required();
  show->add_option("--format", options->format, "summary (default), dot or graphml")
      ->check(CLI::IsMember({"summary", "dot", "graphml"}));
  show->footer("Example: clustersim topology show dgx_h100_cluster:nodes=2 --format dot | dot -Tpng > dgx.png");
  show->callback([options] { run_show(*options); });
}

}  // namespace clustersim::cli
