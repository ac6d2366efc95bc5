// SPDX-License-Identifier: Apache-2.0
// NCCL for the GPU programs: checking NCCL calls the way check_cuda checks CUDA ones, and owning
// a process's communicators, whether it drives every local GPU (ncclCommInitAll) or is one rank
// of a job (ncclCommInitRank). Header-only because NCCL is optional: only the programs that found
// it at build time include this, and the kernels library does not link it.
#pragma once

#include <nccl.h>

#include <string>
#include <vector>

#include "kernels/cuda/cuda_resources.hpp"

namespace clustersim::kernels::cuda {

/// Throws GpuError naming `what` and NCCL's message unless `result` is ncclSuccess.
inline void check_nccl(ncclResult_t result, const std::string& what) {
  if (result != ncclSuccess) throw GpuError(what + ": " + ncclGetErrorString(result));
}

/// The communicators of this process, one per GPU it drives, destroyed together.
class Communicators {
 public:
  /// One per local GPU 0..count−1, ranks in device order.
  explicit Communicators(int count) : comms_(count) {
    check_nccl(ncclCommInitAll(comms_.data(), count, nullptr), "ncclCommInitAll");
  }
  /// This process's one rank of `ranks`, on the current device; every rank passes the same `id`.
  Communicators(const ncclUniqueId& id, int ranks, int rank) : comms_(1) {
    check_nccl(ncclCommInitRank(&comms_[0], ranks, id, rank), "ncclCommInitRank");
  }
  ~Communicators() {
    for (ncclComm_t c : comms_) ncclCommDestroy(c);
  }
  Communicators(const Communicators&) = delete;
  Communicators& operator=(const Communicators&) = delete;
  ncclComm_t operator[](int i) const { return comms_[i]; }
  int size() const { return static_cast<int>(comms_.size()); }

 private:
  std::vector<ncclComm_t> comms_;
};

}  // namespace clustersim::kernels::cuda
