// SPDX-License-Identifier: Apache-2.0
// One GPU's share of a live decode step: its KV shard (two buffers for ring's rotations), the
// query, its softmax state and output, a compute and a communication stream, and the phases of
// tree and ring attention, each only enqueued. The phases that call NCCL must be issued inside an
// ncclGroupStart/End that spans every GPU of the process (run_step does that), so one code path
// serves a process driving all local GPUs and an MPI rank driving one.
#pragma once

#include <nccl.h>

#include <cstdint>
#include <vector>

#include "kernels/cuda/cuda_resources.hpp"
#include "kernels/cuda/decode_attention.cuh"
#include "programs/rank_common/rank_options.hpp"
#include "programs/rank_common/shard_split.hpp"

namespace clustersim::live::gpu {

class DeviceStep {
 public:
  /// Allocates on `device` and uploads this rank's shard of the global cache and the query, both
  /// rounded to `type` on the host. Throws GpuError on a CUDA failure (out of memory included).
  DeviceStep(const RankOptions& options, kernels::cuda::StorageType type, const ShardSplit& split, int rank, int ranks,
             int device, ncclComm_t comm);

  // The phases, in the order run_step issues them. (group) = inside an NCCL group.
  void broadcast_query();     ///< (group) q from the last rank, the newest token's owner
  void attend();              ///< tree, single: the split-KV kernel on the shard in hand
  void allreduce_max();       ///< (group) tree
  void rescale();             ///< tree: against the global max
  void allreduce_numer();     ///< (group) tree without --fuse-sums
  void allreduce_denom();     ///< (group) tree without --fuse-sums
  void allreduce_sums();      ///< (group) tree with --fuse-sums: denominators and numerators in one
  void finish_output();       ///< tree, ring: output = numer / denom
  void ring_rotate();         ///< (group) ring: send the shard in hand on, receive the next (comm stream)
  void ring_attend(int hop);  ///< ring: attend to the shard in hand, merge into the running state
  void ring_next();           ///< ring: the received shard becomes the one in hand

  bool attends() const;  ///< whether this device ends the step with an output
  /// Writes enough to evict the L2 cache, then waits for the device: outside the timed region.
  void evict_l2();
  void synchronize();
  std::vector<float> download_output();

 private:
  /// Makes `device` current before the members below allocate on it.
  struct OnDevice {
    explicit OnDevice(int device);
  };
  kernels::DecodeShape shard_shape(int origin) const;
  std::size_t shard_elements(int origin) const { return shard_shape(origin).key_elements(); }
  void* k(int slot) const;
  void* v(int slot) const;
  kernels::cuda::DeviceAttentionState total_state() const;
  kernels::cuda::DeviceAttentionState part_state() const;
  void use_device() const;
  void launch_attention(const kernels::cuda::DeviceAttentionState* state);

  const RankOptions& o_;
  kernels::cuda::StorageType type_;
  ShardSplit split_;
  int rank_, ranks_, device_;
  OnDevice on_device_;
  ncclComm_t comm_;
  std::vector<kernels::cuda::SplitKvPlan> plans_;  ///< per shard origin
  std::size_t workspace_bytes_;                    ///< enough for every shard's plan
  kernels::cuda::Stream compute_, comm_stream_;
  kernels::cuda::Event received_, attended_;
  kernels::cuda::DeviceBuffer q_, workspace_, out_;
  // Softmax states: max [rows], sums = denom [rows] then numer [rows·head_dim], contiguous so that
  // --fuse-sums allreduces them as one buffer. `total` is the running state, `part` ring's newest.
  kernels::cuda::DeviceBuffer total_max_, total_sums_, part_max_, part_sums_, global_max_;
  std::size_t l2_scratch_bytes_;
  kernels::cuda::DeviceBuffer l2_scratch_;
  // K and V of one shard (two for ring: the one in hand and the one arriving), each slot sized
  // for the longest shard: [slot][k, v][capacity] in the storage type.
  std::size_t capacity_;
  kernels::cuda::DeviceBuffer kv_;
  int in_hand_ = 0;         ///< the slot attended to and sent on
  int origin_[2] = {0, 0};  ///< the rank whose shard of the cache each slot holds
};

}  // namespace clustersim::live::gpu
