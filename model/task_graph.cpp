// SPDX-License-Identifier: Apache-2.0
// TaskGraph construction. Ops are appended in a topological order by construction: a
// dependency must name an op that already exists.
#include "model/task_graph.hpp"

#include <algorithm>
#include <stdexcept>

namespace clustersim::model {

const char* to_string(OpKind kind) {
  switch (kind) {
    case OpKind::compute: return "compute";
    case OpKind::send: return "send";
    case OpKind::shift: return "shift";
    case OpKind::collective: return "collective";
    case OpKind::host_copy: return "host_copy";
  }
  return "?";
}

const char* to_string(HostTier tier) {
  switch (tier) {
    case HostTier::memory: return "memory";
    case HostTier::disk: return "disk";
  }
  return "?";
}

const char* to_string(CopyDirection direction) {
  switch (direction) {
    case CopyDirection::to_device: return "to_device";
    case CopyDirection::to_host: return "to_host";
  }
  return "?";
}

const char* to_string(CollectiveKind kind) {
  switch (kind) {
    case CollectiveKind::allreduce: return "allreduce";
    case CollectiveKind::reduce: return "reduce";
    case CollectiveKind::broadcast: return "broadcast";
    case CollectiveKind::allgather: return "allgather";
    case CollectiveKind::reduce_scatter: return "reduce_scatter";
  }
  return "?";
}

OpId TaskGraph::add(Op op) {
  op.id = static_cast<OpId>(ops_.size());
  for (OpId dep : op.deps)
    if (dep < 0 || dep >= op.id) throw std::logic_error("task graph: op '" + op.name + "' depends on a later op");
  if (op.ranks.empty()) throw std::logic_error("task graph: op '" + op.name + "' has no ranks");
  rank_count_ = std::max(rank_count_, *std::max_element(op.ranks.begin(), op.ranks.end()) + 1);
  ops_.push_back(std::move(op));
  return ops_.back().id;
}

void TaskGraph::set_category(OpId first, OpId end, const std::string& category) {
  for (OpId id = first; id < end; ++id) ops_.at(id).category = category;
}

OpId TaskGraph::compute_each(std::string name, std::vector<int> ranks, std::vector<KernelCost> cost,
                             std::vector<OpId> deps) {
  if (cost.size() != ranks.size()) throw std::logic_error("task graph: '" + name + "' needs one cost per rank");
  Op op{.name = std::move(name),
        .kind = OpKind::compute,
        .ranks = std::move(ranks),
        .cost = std::move(cost),
        .deps = std::move(deps)};
  return add(std::move(op));
}

OpId TaskGraph::host_copy(std::string name, std::vector<int> ranks, double bytes, CopyDirection direction,
                          HostTier tier, std::vector<OpId> deps) {
  Op op{.name = std::move(name),
        .kind = OpKind::host_copy,
        .ranks = std::move(ranks),
        .bytes = bytes,
        .direction = direction,
        .tier = tier,
        .deps = std::move(deps)};
  return add(std::move(op));
}

OpId TaskGraph::host_gather(std::string name, std::vector<int> ranks, double bytes, double pieces, HostTier tier,
                            std::vector<OpId> deps) {
  const OpId id = host_copy(std::move(name), std::move(ranks), bytes, CopyDirection::to_device, tier, std::move(deps));
  ops_.back().gather_pieces = pieces;
  return id;
}

OpId TaskGraph::send(std::string name, int from, int to, double bytes, std::vector<OpId> deps) {
  Op op{.name = std::move(name),
        .kind = OpKind::send,
        .ranks = {from, to},
        .bytes = bytes,
        .root = to,
        .deps = std::move(deps)};
  return add(std::move(op));
}

OpId TaskGraph::shift(std::string name, std::vector<int> ranks, double bytes, std::vector<OpId> deps) {
  Op op{.name = std::move(name),
        .kind = OpKind::shift,
        .ranks = std::move(ranks),
        .bytes = bytes,
        .deps = std::move(deps)};
  return add(std::move(op));
}

OpId TaskGraph::allreduce(std::string name, std::vector<int> ranks, double bytes, ReduceOp reduce,
                          std::vector<OpId> deps) {
  Op op{.name = std::move(name),
        .kind = OpKind::collective,
        .ranks = std::move(ranks),
        .bytes = bytes,
        .collective = CollectiveKind::allreduce,
        .reduce = reduce,
        .deps = std::move(deps)};
  return add(std::move(op));
}

OpId TaskGraph::reduce(std::string name, std::vector<int> ranks, int root, double bytes, ReduceOp reduce,
                       std::vector<OpId> deps) {
  Op op{.name = std::move(name),
        .kind = OpKind::collective,
        .ranks = std::move(ranks),
        .bytes = bytes,
        .collective = CollectiveKind::reduce,
        .reduce = reduce,
        .root = root,
        .deps = std::move(deps)};
  return add(std::move(op));
}

OpId TaskGraph::broadcast(std::string name, std::vector<int> ranks, int root, double bytes, std::vector<OpId> deps) {
  Op op{.name = std::move(name),
        .kind = OpKind::collective,
        .ranks = std::move(ranks),
        .bytes = bytes,
        .collective = CollectiveKind::broadcast,
        .root = root,
        .deps = std::move(deps)};
  return add(std::move(op));
}

OpId TaskGraph::allgather(std::string name, std::vector<int> ranks, double bytes, std::vector<OpId> deps) {
  Op op{.name = std::move(name),
        .kind = OpKind::collective,
        .ranks = std::move(ranks),
        .bytes = bytes,
        .collective = CollectiveKind::allgather,
        .deps = std::move(deps)};
  return add(std::move(op));
}

OpId TaskGraph::reduce_scatter(std::string name, std::vector<int> ranks, double bytes, ReduceOp reduce,
                               std::vector<OpId> deps) {
  Op op{.name = std::move(name),
        .kind = OpKind::collective,
        .ranks = std::move(ranks),
        .bytes = bytes,
        .collective = CollectiveKind::reduce_scatter,
        .reduce = reduce,
        .deps = std::move(deps)};
  return add(std::move(op));
}

}  // namespace clustersim::model
