// SPDX-License-Identifier: Apache-2.0
// The MPI group: runs clustersim_mpi_probe under mpirun (common/mpi_launcher) on this machine,
// reads its ping-pong, exchange and allreduce sweeps, and fits the ping-pong's one-way times to
// t = α + S/B: the one-hop latency of the link between the ranks. Its bandwidth for large
// transfers is the largest message's, one way and with both directions moving at once.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "calibrate/latency_bandwidth_fit.hpp"
#include "calibrate/repeated.hpp"
#include "common/mpi_launcher.hpp"

namespace clustersim::calibrate {

struct MpiSweepPlan {
  std::string probe;  ///< path of clustersim_mpi_probe
  int ranks = 2;
  long long max_bytes = 64ll << 20;
  int repetitions = 5;
  std::chrono::seconds timeout{600};
  JobPlacement place;  ///< where the probe runs; empty = this machine
};

struct MpiSweepResult {
  std::string library;                     ///< MPI_Get_library_version, first line
  std::map<double, Repeated> one_way_s;    ///< ping-pong, by message bytes
  std::map<double, Repeated> exchange_s;   ///< both ways at once, by message bytes per direction
  std::map<double, Repeated> allreduce_s;  ///< by message bytes
  LatencyBandwidthFit fit;                 ///< of the medians
  Repeated latency_s;                      ///< α of each repetition's sweep fitted alone
  std::string p2p_csv, exchange_csv, allreduce_csv;
  std::vector<std::string> table;  ///< nccl-tests-style lines, header first
};

/// Bytes/s per direction of the largest message, S / (t − α), one way and exchanged (0 when the
/// probe did not exchange), with the spread of its repetitions: what a transfer of hundreds of MB
/// sees, past the caches (and past tbf's burst), unlike a fit weighted by the small sizes.
Repeated one_way_plateau_Bps(const MpiSweepResult& sweep);
Repeated exchange_plateau_Bps(const MpiSweepResult& sweep);

/// How much longer the smallest message takes sent both ways at once than one way alone, per
/// repetition (0 where noise makes it shorter; empty when the probe did not exchange): what a
/// message each way at once costs on top of the latency. Over TCP the exchange takes about twice
/// one message, since one CPU's network stack handles both.
Repeated exchange_extra_latency_s(const MpiSweepResult& sweep);

/// Throws: LaunchError when the job fails (mpirun missing, a rank died, timeout);
/// std::runtime_error when the probe's output cannot be read.
MpiSweepResult measure_mpi(const MpiSweepPlan& plan);

/// Reads the probe's stdout (see programs/mpi_probe/main.cpp) and fits it; exposed for tests.
MpiSweepResult parse_mpi_probe_output(const std::string& stdout_text, int ranks);

}  // namespace clustersim::calibrate
