// SPDX-License-Identifier: Apache-2.0
// One MPI rank per GPU: rank 0 creates the NCCL id and broadcasts it, timings reduce to the
// slowest rank, outputs gather on rank 0. Compiled only where CMake found MPI.
#include <mpi.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "programs/gpu_rank/job.hpp"

namespace clustersim::live::gpu {
namespace {

class MpiJob : public Job {
 public:
  MpiJob(int* argc, char*** argv, int visible_gpus) {
    MPI_Init(argc, argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks_);
    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node);
    int local_rank = 0, local_ranks = 1;
    MPI_Comm_rank(node, &local_rank);
    MPI_Comm_size(node, &local_ranks);
    MPI_Comm_free(&node);
    if (local_ranks > visible_gpus)
      throw std::invalid_argument("mpirun started " + std::to_string(local_ranks) + " ranks on one node, which has " +
                                  std::to_string(visible_gpus) + " GPUs; start at most one rank per GPU");
    devices_ = {local_rank};
  }
  ~MpiJob() override { MPI_Finalize(); }
  int ranks() const override { return ranks_; }
  int first_rank() const override { return rank_; }
  const std::vector<int>& devices() const override { return devices_; }
  bool reports() const override { return rank_ == 0; }
  std::unique_ptr<kernels::cuda::Communicators> communicators() override {
    ncclUniqueId id{};
    if (rank_ == 0) kernels::cuda::check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
    MPI_Bcast(&id, sizeof id, MPI_BYTE, 0, MPI_COMM_WORLD);
    return std::make_unique<kernels::cuda::Communicators>(id, ranks_, rank_);
  }
  void barrier() override { MPI_Barrier(MPI_COMM_WORLD); }
  double slowest(double seconds) override {
    double slowest = 0;
    MPI_Reduce(&seconds, &slowest, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    return slowest;
  }
  std::vector<std::vector<float>> gather(std::vector<std::vector<float>> mine) override {
    // Every rank sends its count first: a rank without an output sends none.
    const int count = static_cast<int>(mine.at(0).size());
    std::vector<int> counts(rank_ == 0 ? ranks_ : 0), offsets(counts.size());
    MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
    std::vector<float> all;
    if (rank_ == 0) {
      for (int r = 1; r < ranks_; ++r) offsets[r] = offsets[r - 1] + counts[r - 1];
      all.resize(static_cast<std::size_t>(offsets.back()) + counts.back());
    }
    MPI_Gatherv(mine[0].data(), count, MPI_FLOAT, all.data(), counts.data(), offsets.data(), MPI_FLOAT, 0,
                MPI_COMM_WORLD);
    std::vector<std::vector<float>> outputs;
    for (int r = 0; r < static_cast<int>(counts.size()); ++r)
      outputs.emplace_back(all.begin() + offsets[r], all.begin() + offsets[r] + counts[r]);
    return outputs;
  }
  int agree(int status) override {
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return status;
  }
  int fail(int status) override {
    MPI_Abort(MPI_COMM_WORLD, status);
    return status;  // not reached
  }

 private:
  int rank_ = 0, ranks_ = 1;
  std::vector<int> devices_;
};

}  // namespace

bool launched_as_mpi_ranks() {
  // Open MPI's and PMI's (MPICH, Slurm) world size, set before MPI_Init.
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"})
    if (const char* size = std::getenv(name); size && std::atoi(size) > 1) return true;
  return false;
}

std::unique_ptr<Job> mpi_job(int* argc, char*** argv, int visible_gpus) {
  return std::make_unique<MpiJob>(argc, argv, visible_gpus);
}

}  // namespace clustersim::live::gpu
