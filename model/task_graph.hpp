// SPDX-License-Identifier: Apache-2.0
// TaskGraph: what a strategy asks the devices to do, as a DAG of group operations over ranks —
// kernels, point-to-point messages and collectives. It is engine-free: sim/ lowers it onto a
// SimGrid platform. Dependencies are per rank: rank r's part of an op starts once rank r's
// parts of all its dependencies are done (the semantics of ops issued on one device's stream).
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

namespace clustersim::model {

using OpId = int;

enum class OpKind { compute, send, shift, collective, host_copy };
enum class CollectiveKind { allreduce, reduce, broadcast, allgather, reduce_scatter };
enum class ReduceOp { sum, max };
/// Which way a host copy goes between a device and a tier of its host.
enum class CopyDirection { to_device, to_host };
/// The tiers of a device's host that a host copy reaches: the memory of its nearest cpu, or the
/// disk beside that cpu (read and written through the cpu's memory).
enum class HostTier { memory, disk };

const char* to_string(OpKind kind);
const char* to_string(CollectiveKind kind);
const char* to_string(CopyDirection direction);
const char* to_string(HostTier tier);

/// A kernel's cost in the terms of the roofline: floating-point operations and HBM bytes, and
/// how many kernel launches it takes (a fused kernel 1; an eager framework's layer several).
struct KernelCost {
  double flops = 0;
  double hbm_bytes = 0;
  int launches = 1;
};

struct Op {
  OpId id = 0;
  std::string name;
  OpKind kind = OpKind::compute;
  std::vector<int> ranks;        ///< participants, in ring/group order
  std::vector<KernelCost> cost;  ///< compute: one per entry of `ranks`
  double bytes = 0;              ///< send/shift: bytes per message; collective: buffer size S; host_copy: per rank
  CopyDirection direction = CopyDirection::to_device;  ///< host_copy
  HostTier tier = HostTier::memory;                    ///< host_copy
  /// host_copy: 0 for one contiguous copy; n for a gather of n scattered pieces, each issued as
  /// its own copy (cudaMemcpyAsync per KV block), which costs the device's launch overhead.
  double gather_pieces = 0;
  CollectiveKind collective = CollectiveKind::allreduce;
  ReduceOp reduce = ReduceOp::sum;
  int root = -1;  ///< reduce/broadcast root rank; send: the receiver
  std::vector<OpId> deps;
  std::string category;  ///< what the work is for (`attention`, `dense`); empty: unnamed
};

/// Dependency list: after(a, b) reads as "after a and b".
inline std::vector<OpId> after(std::initializer_list<OpId> ops) { return ops; }
template <typename... Ids>
std::vector<OpId> after(Ids... ids) {
  return {ids...};
}

class TaskGraph {
 public:
  /// Every rank in `ranks` runs a kernel; cost[i] is rank ranks[i]'s. Requires: sizes match.
  OpId compute_each(std::string name, std::vector<int> ranks, std::vector<KernelCost> cost,
                    std::vector<OpId> deps = {});
  /// Rank `from` sends `bytes` to rank `to`.
  OpId send(std::string name, int from, int to, double bytes, std::vector<OpId> deps = {});
  /// Each rank ranks[i] sends `bytes` to ranks[(i+1) % n] and receives from ranks[(i-1) % n]:
  /// one hop of a ring rotation.
  OpId shift(std::string name, std::vector<int> ranks, double bytes, std::vector<OpId> deps = {});
  /// Allreduce of a buffer of `bytes` over `ranks`.
  OpId allreduce(std::string name, std::vector<int> ranks, double bytes, ReduceOp op, std::vector<OpId> deps = {});
  /// Reduce of a buffer of `bytes` over `ranks` onto `root`.
  OpId reduce(std::string name, std::vector<int> ranks, int root, double bytes, ReduceOp op,
              std::vector<OpId> deps = {});
  /// Broadcast of `bytes` from `root` to `ranks`.
  OpId broadcast(std::string name, std::vector<int> ranks, int root, double bytes, std::vector<OpId> deps = {});

  /// Allgather: every rank contributes bytes / n and ends with the whole `bytes` buffer.
  OpId allgather(std::string name, std::vector<int> ranks, double bytes, std::vector<OpId> deps = {});
  /// Reduce-scatter of a `bytes` buffer: every rank ends with its reduced bytes / n slice.
  OpId reduce_scatter(std::string name, std::vector<int> ranks, double bytes, ReduceOp op, std::vector<OpId> deps = {});

  /// Every rank in `ranks` copies `bytes` between a tier of its host and itself, on its copy
  /// engine (a DMA over the host link, as cudaMemcpyAsync from pinned memory does).
  OpId host_copy(std::string name, std::vector<int> ranks, double bytes, CopyDirection direction, HostTier tier,
                 std::vector<OpId> deps = {});
  /// A host copy gathered from `pieces` scattered pieces (KV blocks) of `bytes` in all.
  OpId host_gather(std::string name, std::vector<int> ranks, double bytes, double pieces, HostTier tier,
                   std::vector<OpId> deps = {});

  /// Labels ops [first, end) with `category`, for breakdowns by purpose.
  void set_category(OpId first, OpId end, const std::string& category);

  const std::vector<Op>& ops() const { return ops_; }
  const Op& op(OpId id) const { return ops_.at(id); }
  /// Highest rank index used + 1.
  int rank_count() const { return rank_count_; }

 private:
  OpId add(Op op);
  std::vector<Op> ops_;
  int rank_count_ = 0;
};

}  // namespace clustersim::model
