// SPDX-License-Identifier: Apache-2.0
// MPI's cost model, as far as clustersim uses it: Open MPI 4.1's choice of allreduce algorithm
// (coll/tuned's fixed decision) and closed-form estimates of the chosen schedules. With library
// mpi a message carries no protocol latency or wire overhead: it costs its route's latency plus
// its bytes over the flows, as an MPI point-to-point message does in SimGrid's model.
#pragma once

#include "model/task_graph.hpp"
#include "sim/collective_settings.hpp"

namespace clustersim::sim {

struct GroupFabric;

/// The algorithm Open MPI 4.1's coll/tuned fixed decision runs an allreduce of `bytes` on
/// `ranks` ranks with, for a commutative operation (MAX and SUM are): ring, recursive_doubling
/// or rabenseifner (see mpi_model.cpp for the rows and what they fall back to).
Algorithm mpi_allreduce_algorithm(int ranks, double bytes);

/// Closed-form time of `kind` run with `algorithm` on `fabric` under library mpi, uncontended:
/// steps × route latency + bytes on the slowest route / its bandwidth.
double mpi_estimate_s(model::CollectiveKind kind, Algorithm algorithm, double bytes, const GroupFabric& fabric);

}  // namespace clustersim::sim
