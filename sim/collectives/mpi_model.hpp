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

/// The largest point-to-point message Open MPI 4.1 sends eagerly, at MPI_Isend, whatever the
/// receiver is doing: btl vader's 4096 B between ranks of one node, btl tcp's 65536 B between
/// nodes (`ompi_info --param btl vader|tcp --level 9`, Open MPI 4.1.4 defaults). A larger message
/// takes the rendezvous protocol: Open MPI has no progress thread, so it moves only while both
/// ranks are inside MPI calls.
double mpi_eager_limit_bytes(bool same_node);

/// Closed-form time of `kind` run with `algorithm` on `fabric` under library mpi, uncontended:
/// steps × route latency (its both-ways latency for steps that swap data with one peer) + bytes
/// on the slowest route / its bandwidth.
double mpi_estimate_s(model::CollectiveKind kind, Algorithm algorithm, double bytes, const GroupFabric& fabric);

}  // namespace clustersim::sim
