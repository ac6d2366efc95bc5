// SPDX-License-Identifier: Apache-2.0
// The processes of one GPU live run, the only thing that differs between its two modes: one
// process driving N local GPUs (the default; no MPI needed), or one MPI rank per GPU (when built
// with MPI and started by mpirun with more than one rank). The step itself (run_step) is the same.
#pragma once

#include <memory>
#include <vector>

#include "kernels/cuda/nccl_communicators.hpp"

namespace clustersim::live::gpu {

class Job {
 public:
  virtual ~Job() = default;
  virtual int ranks() const = 0;                        ///< GPUs in the whole run
  virtual int first_rank() const = 0;                   ///< the rank of this process's first GPU
  virtual const std::vector<int>& devices() const = 0;  ///< CUDA ordinals this process drives
  virtual bool reports() const = 0;                     ///< whether this process checks outputs and prints the report
  /// One communicator per GPU of this process (collective: every process calls it).
  virtual std::unique_ptr<kernels::cuda::Communicators> communicators() = 0;
  virtual void barrier() = 0;
  /// The largest of every process's `seconds`, on the reporting process.
  virtual double slowest(double seconds) = 0;
  /// Every GPU's output in rank order on the reporting process (an empty vector for a GPU that
  /// ends without one); `mine` holds this process's, in the order of devices().
  virtual std::vector<std::vector<float>> gather(std::vector<std::vector<float>> mine) = 0;
  /// The reporting process's exit status, on every process.
  virtual int agree(int status) = 0;
  /// Ends the run after this process failed: returns `status` to exit with, or (MPI) takes every
  /// rank down, as the others would wait for this one forever.
  virtual int fail(int status) = 0;
};

/// This process drives GPUs 0..gpus−1.
std::unique_ptr<Job> single_process_job(int gpus);

#if CLUSTERSIM_LIVE_GPU_HAVE_MPI
/// True when mpirun (or another PMI launcher) started this process as one of several ranks.
bool launched_as_mpi_ranks();
/// Initialises MPI; each rank drives one GPU, its rank among the ranks of its node modulo
/// `visible_gpus`. Throws std::invalid_argument when a node runs more ranks than it has GPUs.
std::unique_ptr<Job> mpi_job(int* argc, char*** argv, int visible_gpus);
#endif

}  // namespace clustersim::live::gpu
