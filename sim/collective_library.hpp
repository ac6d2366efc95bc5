// SPDX-License-Identifier: Apache-2.0
// What differs between the libraries a simulation runs its messages and collectives with, behind
// one interface chosen once per simulation. NCCL runs kernels on the device: each collective and
// point-to-point op pays a launch, and each hop its protocol's latency; messages progress on
// their own. MPI runs on the host thread: no launch, a step that swaps data with one peer pays the
// route's measured both-ways latency, and a message above the eager limit (a rendezvous) moves
// only while its ranks are inside an MPI call. Internal to sim/.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "sim/collective_settings.hpp"
#include "sim/platform.hpp"

namespace clustersim::sim {

class CollectiveLibrary {
 public:
  virtual ~CollectiveLibrary() = default;

  /// What a collective costs its rank before the first step; none when the library launches
  /// nothing.
  virtual std::optional<double> collective_launch_s(Algorithm algorithm, Protocol protocol) const = 0;
  /// What a message pays before it leaves, beyond its route's latency; `exchange` when the peer
  /// sends back in the same step.
  virtual double hop_overhead_s(Algorithm algorithm, Protocol protocol, const PairRoute& route,
                                bool exchange) const = 0;
  /// The protocol of a point-to-point message of `bytes`.
  virtual Protocol p2p_protocol(double bytes) const = 0;
  /// What a point-to-point op costs its rank before its messages are posted (`send_route`: the
  /// route of its send, if it sends); none when the library launches nothing.
  virtual std::optional<double> p2p_launch_s(Protocol protocol, const PairRoute* send_route) const = 0;
  /// Messages progress only while their rank is inside a library call (MPI has no progress thread).
  virtual bool progresses_only_in_calls() const = 0;
  /// A message of `bytes` waits until both its ranks are inside the library (a rendezvous).
  virtual bool rendezvous(double bytes, bool same_node) const = 0;
  /// The protocol as results record it.
  virtual std::string protocol_label(Protocol protocol) const = 0;
};

/// The library `settings.library` names.
std::unique_ptr<CollectiveLibrary> make_collective_library(const CollectiveSettings& settings);

}  // namespace clustersim::sim
