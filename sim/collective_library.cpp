// SPDX-License-Identifier: Apache-2.0
// NCCL's costs come from its tuner model (collectives/nccl_model.hpp: tuning.cc's baseLat and
// hwLat, where hwLat is end-to-end, so the route's physical latency counts towards it); MPI's
// eager limit from collectives/mpi_model.hpp.
#include "sim/collective_library.hpp"

#include <algorithm>

#include "sim/collectives/mpi_model.hpp"
#include "sim/collectives/nccl_model.hpp"

namespace clustersim::sim {
namespace {

class Nccl final : public CollectiveLibrary {
 public:
  explicit Nccl(const CollectiveSettings& settings) : settings_(settings) {}

  std::optional<double> collective_launch_s(Algorithm algorithm, Protocol protocol) const override {
    return base_latency_s(algorithm, protocol);
  }
  double hop_overhead_s(Algorithm algorithm, Protocol protocol, const PairRoute& route, bool) const override {
    return std::max(0.0, hop_latency_s(algorithm, protocol, route.family) - route.latency_s);
  }
  Protocol p2p_protocol(double bytes) const override { return choose_p2p_protocol(bytes, settings_); }
  std::optional<double> p2p_launch_s(Protocol protocol, const PairRoute* send_route) const override {
    double launch = base_latency_s(Algorithm::ring, protocol);
    if (send_route) launch += hop_overhead_s(Algorithm::ring, protocol, *send_route, /*exchange=*/false);
    return launch;
  }
  bool progresses_only_in_calls() const override { return false; }
  bool rendezvous(double, bool) const override { return false; }
  std::string protocol_label(Protocol protocol) const override { return to_string(protocol); }

 private:
  CollectiveSettings settings_;
};

class Mpi final : public CollectiveLibrary {
 public:
  std::optional<double> collective_launch_s(Algorithm, Protocol) const override { return std::nullopt; }
  double hop_overhead_s(Algorithm, Protocol, const PairRoute& route, bool exchange) const override {
    return exchange ? route.both_ways_latency_s - route.latency_s : 0;
  }
  Protocol p2p_protocol(double) const override { return Protocol::simple; }
  std::optional<double> p2p_launch_s(Protocol, const PairRoute*) const override { return std::nullopt; }
  bool progresses_only_in_calls() const override { return true; }
  bool rendezvous(double bytes, bool same_node) const override { return bytes > mpi_eager_limit_bytes(same_node); }
  std::string protocol_label(Protocol) const override { return "none"; }
};

}  // namespace

std::unique_ptr<CollectiveLibrary> make_collective_library(const CollectiveSettings& settings) {
  if (settings.library == Library::mpi) return std::make_unique<Mpi>();
  return std::make_unique<Nccl>(settings);
}

}  // namespace clustersim::sim
