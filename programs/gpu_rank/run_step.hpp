// SPDX-License-Identifier: Apache-2.0
// One decode step over the GPUs this process drives (all local GPUs, or an MPI rank's one):
// tree = partials, allreduce max, rescale, allreduce sums (fused or not), divide; ring = p−1
// rotations overlapped with attention, merging as shards arrive. Each NCCL phase is issued for
// every device inside one ncclGroupStart/End, which a single thread driving several GPUs needs.
#pragma once

#include <memory>
#include <vector>

#include "programs/gpu_rank/device_step.hpp"
#include "programs/rank_common/rank_options.hpp"

namespace clustersim::live::gpu {

/// Enqueues the step on every device and returns without waiting. Throws GpuError.
void run_step(const RankOptions& options, int ranks, std::vector<std::unique_ptr<DeviceStep>>& devices);

}  // namespace clustersim::live::gpu
