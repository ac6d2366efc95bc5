// SPDX-License-Identifier: Apache-2.0
#include "programs/gpu_rank/run_step.hpp"

#include "kernels/cuda/nccl_communicators.hpp"

namespace clustersim::live::gpu {

void run_step(const RankOptions& o, int ranks, std::vector<std::unique_ptr<DeviceStep>>& devices) {
  using Phase = void (DeviceStep::*)();
  const auto each = [&](Phase phase) {
    for (auto& d : devices) ((*d).*phase)();
  };
  const auto grouped = [&](Phase phase) {
    kernels::cuda::check_nccl(ncclGroupStart(), "ncclGroupStart");
    each(phase);
    kernels::cuda::check_nccl(ncclGroupEnd(), "ncclGroupEnd");
  };
  if (ranks == 1) {
    each(&DeviceStep::attend);  // the kernel's own output; single, and tree or ring on one GPU
    return;
  }
  // The query comes from the newest rank, as in the simulated plan (broadcast_query).
  grouped(&DeviceStep::broadcast_query);
  if (o.step == RankStep::ring) {
    for (int hop = 0; hop < ranks; ++hop) {
      const bool rotate = hop + 1 < ranks;
      if (rotate) grouped(&DeviceStep::ring_rotate);  // on the comm stream, while the next line computes
      for (auto& d : devices) d->ring_attend(hop);
      if (rotate) each(&DeviceStep::ring_next);
    }
  } else {
    each(&DeviceStep::attend);
    grouped(&DeviceStep::allreduce_max);
    each(&DeviceStep::rescale);
    if (o.fuse_sums) {
      grouped(&DeviceStep::allreduce_sums);
    } else {
      grouped(&DeviceStep::allreduce_numer);
      grouped(&DeviceStep::allreduce_denom);
    }
  }
  each(&DeviceStep::finish_output);
}

}  // namespace clustersim::live::gpu
