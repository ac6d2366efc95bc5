// SPDX-License-Identifier: Apache-2.0
// The executor: runs a TaskGraph on the SimGrid platform with one actor per rank. A rank issues
// its ops in graph order, as a host thread issues work to a device: before an op it waits for
// its own parts of the op's dependencies; kernels and point-to-point messages then run in the
// background (so a ring hop overlaps the attention on the chunk in hand), while a collective
// runs its schedule step by step before the rank issues anything else. Collectives use the
// algorithm and protocol the NCCL tuner model picks (or, with library mpi, Open MPI's decision,
// without NCCL's launch and per-hop latencies; a step that swaps data with one peer pays its
// route's measured both-ways latency); every step is real flows on the platform.
// Kernels run one at a time on the device's stream, in issue order, as kernels of one CUDA
// stream do; nothing else competes for the device, so a kernel's end is known when it is issued
// and it needs no SimGrid activity: the rank sleeps until that end only when something waits.
// With library mpi a message above the eager limit is a rendezvous: MPI has no progress thread,
// so it starts moving only when its ranks enter MPI (wait for it, or start a collective), and a
// CPU rank, whose thread runs its kernels itself, enters MPI only after them. Live, a ring hop
// posted before the attention on the chunk in hand therefore moves after that attention.
#include "sim/executor.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <unordered_map>

#include "sim/collectives/mpi_model.hpp"
#include "sim/collectives/schedule.hpp"
#include "sim/platform.hpp"
#include "sim/rank_routes.hpp"

namespace sg4 = simgrid::s4u;

namespace clustersim::sim {
namespace {

enum class Doing { compute, send, recv, collective };

const char* to_string(Doing doing) {
  switch (doing) {
    case Doing::compute: return "compute";
    case Doing::send: return "send";
    case Doing::recv: return "recv";
    case Doing::collective: return "collective";
  }
  return "?";
}

using Span = std::pair<double, double>;

/// Length of the union of intervals.
double covered(std::vector<Span> spans) {
  std::sort(spans.begin(), spans.end());
  double total = 0, start = 0, end = -1;
  for (const auto& [s, e] : spans) {
    if (s > end) {
      if (end > start) total += end - start;
      start = s;
      end = e;
    } else {
      end = std::max(end, e);
    }
  }
  if (end > start) total += end - start;
  return total;
}

/// How a collective op runs: its group layout and the tuner's choice.
struct CollectivePlan {
  GroupLayout group;
  CollectiveChoice choice;
};

class Execution {
 public:
  Execution(const model::TaskGraph& graph, const SimulationInput& input)
      : graph_(graph), input_(input), routes_(*input.topology, input.gpu_of_rank) {
    const int ranks = graph.rank_count();
    if (static_cast<int>(input.gpu_of_rank.size()) < ranks)
      throw std::invalid_argument("the task graph uses more ranks than GPUs were placed");
    node_of_rank_ = node_ids(ranks);
    ops_of_rank_.resize(ranks);
    for (const model::Op& op : graph.ops())
      for (std::size_t i = 0; i < op.ranks.size(); ++i) ops_of_rank_[op.ranks[i]].push_back({op.id, static_cast<int>(i)});
    plan_collectives();
  }

  SimulationResult run() {
    const std::vector<std::pair<int, int>> pairs = communicating_pairs();
    routes_.prefetch(pairs);
    platform_ = std::make_unique<Platform>(
        *input_.topology, input_.gpu_of_rank, pairs,
        [this](int from, int to) -> const topo::Route& { return routes_.get(from, to); });
    ranks_.resize(ops_of_rank_.size());
    op_end_.assign(graph_.ops().size(), 0.0);
    for (int r = 0; r < static_cast<int>(ranks_.size()); ++r)
      sg4::Actor::create("rank" + std::to_string(r), platform_->host(r), [this, r] { run_rank(r); });
    sg4::Engine::get_instance()->run();
    return collect();
  }

 private:
  struct Pending {
    sg4::ActivityPtr activity;  // none for kernels, and for a rendezvous until its ranks enter MPI
    int op;
    Doing kind;
    double start;
    double bytes;
    double kernel_end = 0;
    int peer = -1;            // send: the receiver; recv: the sender
    bool rendezvous = false;  // posted when the rank enters MPI, not when issued
  };
  struct RankState {
    std::vector<Pending> pending;
    std::vector<Span> compute, comm;
    std::map<std::string, double> compute_by_category;
    std::vector<Interval> timeline;
    double bytes_sent = 0;
    double stream_free = 0;  // when the device's kernel stream is next idle
    double finish = 0;
    bool finished = false;
    char* sink = nullptr;  // where received payload pointers land; never read
  };

  // ---- set-up, before the engine runs ----

  std::vector<int> node_ids(int ranks) const {
    std::map<std::string, int> ids;
    std::vector<int> out;
    for (int r = 0; r < ranks; ++r) {
      const std::string& node = input_.topology->vertices()[input_.gpu_of_rank[r]].node;
      out.push_back(ids.try_emplace(node, static_cast<int>(ids.size())).first->second);
    }
    return out;
  }

  bool on_host_cpu(int rank) const {
    return input_.topology->vertices()[input_.gpu_of_rank[rank]].kind == topo::VertexKind::cpu_rank;
  }

  void plan_collectives() {
    collective_plans_.resize(graph_.ops().size());
    std::vector<std::pair<int, int>> ring_neighbours;
    for (const model::Op& op : graph_.ops())
      if (op.kind == model::OpKind::collective)
        for (std::size_t i = 0; i < op.ranks.size(); ++i)
          ring_neighbours.emplace_back(op.ranks[i], op.ranks[(i + 1) % op.ranks.size()]);
    routes_.prefetch(ring_neighbours);
    for (const model::Op& op : graph_.ops()) {
      if (op.kind != model::OpKind::collective) continue;
      CollectivePlan& plan = collective_plans_[op.id];
      std::vector<int> node_of;
      for (int rank : op.ranks) node_of.push_back(node_of_rank_[rank]);
      plan.group = GroupLayout(std::move(node_of));
      std::vector<topo::Route> ring;
      for (std::size_t i = 0; i < op.ranks.size(); ++i) ring.push_back(routes_.get(op.ranks[i], op.ranks[(i + 1) % op.ranks.size()]));
      plan.choice = choose_collective(op.collective, op.bytes, describe_group(plan.group, ring, *input_.topology),
                                      input_.collectives);
    }
  }

  int group_index(const model::Op& op, int rank) const {
    return static_cast<int>(std::find(op.ranks.begin(), op.ranks.end(), rank) - op.ranks.begin());
  }

  Channels schedule_of(const model::Op& op, int index) const {
    const CollectivePlan& plan = collective_plans_[op.id];
    const int root = op.root < 0 ? 0 : group_index(op, op.root);
    return collective_schedule(op.collective, plan.choice.algorithm, plan.group, index, root, op.bytes);
  }

  std::vector<std::pair<int, int>> communicating_pairs() const {
    std::vector<std::pair<int, int>> pairs;
    for (const model::Op& op : graph_.ops()) {
      const int n = static_cast<int>(op.ranks.size());
      if (op.kind == model::OpKind::send) pairs.emplace_back(op.ranks[0], op.ranks[1]);
      if (op.kind == model::OpKind::shift && n > 1)
        for (int i = 0; i < n; ++i) pairs.emplace_back(op.ranks[i], op.ranks[(i + 1) % n]);
      if (op.kind == model::OpKind::collective)
        for (int i = 0; i < n; ++i)
          for (const Schedule& channel : schedule_of(op, i))
            for (const Step& step : channel)
              for (const Transfer& t : step.sends) pairs.emplace_back(op.ranks[i], op.ranks[t.peer]);
    }
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    return pairs;
  }

  // ---- inside the simulation: one actor per rank ----

  /// Messages from one rank to another on one channel match in the order they are posted.
  sg4::Mailbox* mailbox(int from, int to, int channel) {
    const std::uint64_t key = (static_cast<std::uint64_t>(channel) << 48) | (static_cast<std::uint64_t>(from) << 24) |
                              static_cast<std::uint64_t>(to);
    auto it = mailboxes_.find(key);
    if (it == mailboxes_.end())
      it = mailboxes_
               .emplace(key, sg4::Mailbox::by_name(std::to_string(from) + ">" + std::to_string(to) + "#" +
                                                   std::to_string(channel)))
               .first;
    return it->second;
  }

  /// Posts a message of `bytes` payload from `rank` to `peer`; the wire carries bytes × factor.
  sg4::CommPtr post_send(int rank, int peer, double bytes, Protocol protocol, int channel = 0) {
    static char token;
    const double wire = bytes * wire_factor(protocol);
    platform_->count(platform_->route(rank, peer), wire);
    ranks_[rank].bytes_sent += bytes;
    return mailbox(rank, peer, channel)->put_async(&token, static_cast<std::uint64_t>(std::llround(wire)));
  }

  sg4::CommPtr post_recv(int rank, int peer, int channel = 0) {
    return mailbox(peer, rank, channel)->get_async<char>(&ranks_[rank].sink);
  }

  // Rendezvous messages match on a channel of their own: they are posted later than eager ones
  // issued after them, and must not take those messages' place in the mailbox order.
  static constexpr int kRendezvousChannel = 1 << 16;

  /// The rank's thread enters an MPI call: every rendezvous message it has issued starts, since
  /// MPI progresses all outstanding requests inside any call.
  void enter_mpi(int rank) {
    RankState& state = ranks_[rank];
    if (on_host_cpu(rank) && state.stream_free > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(state.stream_free);
    for (Pending& p : state.pending) {
      if (!p.rendezvous || p.activity) continue;
      p.start = sg4::Engine::get_clock();
      p.activity = p.kind == Doing::send ? post_send(rank, p.peer, p.bytes, Protocol::simple, kRendezvousChannel)
                                         : post_recv(rank, p.peer, kRendezvousChannel);
    }
  }

  bool nccl() const { return input_.collectives.library == Library::nccl; }

  /// What a message pays before it leaves, beyond its route's latency. NCCL: the protocol's
  /// per-hop latency (its hwLat is end-to-end, so the route's physical latency counts towards
  /// it). MPI: nothing, unless the peer sends back in the same step (an `exchange`), which costs
  /// the route's measured both-ways latency instead of its one-way latency.
  double hop_overhead(Algorithm algorithm, Protocol protocol, int from, int to, bool exchange) const {
    const PairRoute& r = platform_->route(from, to);
    if (!nccl()) return exchange ? r.both_ways_latency_s - r.latency_s : 0;
    return std::max(0.0, hop_latency_s(algorithm, protocol, r.family) - r.latency_s);
  }

  void record(RankState& state, Doing kind, int op, double start, double end, double bytes) {
    (kind == Doing::compute ? state.compute : state.comm).emplace_back(start, end);
    op_end_[op] = std::max(op_end_[op], end);
    if (kind == Doing::compute) {  // kernels of one stream never overlap: their times add up
      const std::string& category = graph_.op(op).category;
      state.compute_by_category[category.empty() ? "other" : category] += end - start;
    }
    if (input_.record_timeline) state.timeline.push_back({to_string(kind), op, start, end, bytes});
  }

  void finish(int rank, Pending& p) {
    RankState& state = ranks_[rank];
    if (p.rendezvous) enter_mpi(rank);
    if (!p.activity) {
      if (p.kernel_end > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(p.kernel_end);
      record(state, p.kind, p.op, p.start, p.kernel_end, p.bytes);
      return;
    }
    p.activity->wait();
    record(state, p.kind, p.op, p.start, p.activity->get_finish_time(), p.bytes);
  }

  void wait_for(int rank, const std::vector<model::OpId>& deps) {
    RankState& state = ranks_[rank];
    auto& pending = state.pending;
    for (std::size_t i = 0; i < pending.size();) {
      if (std::find(deps.begin(), deps.end(), pending[i].op) != deps.end()) {
        finish(rank, pending[i]);
        pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        ++i;
      }
    }
  }

  void run_collective(int rank, const model::Op& op, int index) {
    const CollectivePlan& plan = collective_plans_[op.id];
    const Algorithm algorithm = plan.choice.algorithm;
    const Protocol protocol = plan.choice.protocol;
    if (!nccl()) enter_mpi(rank);
    const double start = sg4::Engine::get_clock();
    if (nccl()) sg4::this_actor::sleep_for(base_latency_s(algorithm, protocol));
    const Channels channels = schedule_of(op, index);
    struct Progress {
      std::size_t step = 0;
      std::vector<sg4::CommPtr> recvs;
    };
    std::vector<Progress> progress(channels.size());
    std::vector<sg4::CommPtr> sends;
    // Posts channel c's next steps until one has receives to wait for (or the channel ends).
    auto advance = [&](int c) {
      Progress& at = progress[c];
      while (at.recvs.empty() && at.step < channels[c].size()) {
        const Step& step = channels[c][at.step++];
        if (step.pays_latency && !step.sends.empty()) {
          double overhead = 0;
          for (const Transfer& t : step.sends) {
            const bool exchange = std::any_of(step.recvs.begin(), step.recvs.end(),
                                              [&](const Transfer& r) { return r.peer == t.peer; });
            overhead = std::max(overhead, hop_overhead(algorithm, protocol, rank, op.ranks[t.peer], exchange));
          }
          if (overhead > 0) sg4::this_actor::sleep_for(overhead);
        }
        for (const Transfer& t : step.sends) sends.push_back(post_send(rank, op.ranks[t.peer], t.bytes, protocol, c));
        for (const Transfer& t : step.recvs) at.recvs.push_back(post_recv(rank, op.ranks[t.peer], c));
      }
    };
    for (int c = 0; c < static_cast<int>(channels.size()); ++c) advance(c);
    for (;;) {
      std::vector<sg4::CommPtr> waiting;
      std::vector<std::pair<int, std::size_t>> owner;
      for (int c = 0; c < static_cast<int>(progress.size()); ++c)
        for (std::size_t i = 0; i < progress[c].recvs.size(); ++i) {
          waiting.push_back(progress[c].recvs[i]);
          owner.emplace_back(c, i);
        }
      if (waiting.empty()) break;
      const auto [c, i] = owner[sg4::Comm::wait_any(waiting)];
      progress[c].recvs.erase(progress[c].recvs.begin() + static_cast<std::ptrdiff_t>(i));
      advance(c);
    }
    sg4::Comm::wait_all(sends);
    record(ranks_[rank], Doing::collective, op.id, start, sg4::Engine::get_clock(), op.bytes);
  }

  bool rendezvous(int from, int to, double bytes) const {
    return !nccl() && bytes > mpi_eager_limit_bytes(node_of_rank_[from] == node_of_rank_[to]);
  }

  /// NCCL send/recv: a kernel launch and the protocol's hop latency, then the transfer. MPI
  /// send/recv: the transfer alone (route latency + bytes over the flow), at once when eager.
  void post_p2p(int rank, const model::Op& op, int to, int from) {
    RankState& state = ranks_[rank];
    const Protocol protocol = nccl() ? choose_p2p_protocol(op.bytes, input_.collectives) : Protocol::simple;
    const double issued = sg4::Engine::get_clock();
    if (nccl()) {
      double launch = base_latency_s(Algorithm::ring, protocol);
      if (to >= 0) launch += hop_overhead(Algorithm::ring, protocol, rank, to, /*exchange=*/false);
      sg4::this_actor::sleep_for(launch);
    }
    auto message = [&](Doing kind, int peer, bool deferred) {
      sg4::ActivityPtr activity;
      if (!deferred) activity = kind == Doing::send ? sg4::ActivityPtr(post_send(rank, peer, op.bytes, protocol))
                                                    : sg4::ActivityPtr(post_recv(rank, peer));
      state.pending.push_back({activity, op.id, kind, issued, op.bytes, 0, peer, deferred});
    };
    if (to >= 0) message(Doing::send, to, rendezvous(rank, to, op.bytes));
    if (from >= 0) message(Doing::recv, from, rendezvous(from, rank, op.bytes));
  }

  void run_rank(int rank) {
    RankState& state = ranks_[rank];
    const model::DeviceProfile& device = *input_.device;
    for (const auto& [op_id, index] : ops_of_rank_[rank]) {
      const model::Op& op = graph_.op(op_id);
      wait_for(rank, op.deps);
      const int n = static_cast<int>(op.ranks.size());
      switch (op.kind) {
        case model::OpKind::compute: {
          const model::KernelCost& cost = op.cost[index];
          const double start = std::max(sg4::Engine::get_clock(), state.stream_free);
          state.stream_free = start + device.kernel_time(cost.flops, cost.hbm_bytes, input_.dtype, cost.launches);
          state.pending.push_back({nullptr, op.id, Doing::compute, start, 0, state.stream_free});
          break;
        }
        case model::OpKind::send:
          post_p2p(rank, op, index == 0 ? op.ranks[1] : -1, index == 1 ? op.ranks[0] : -1);
          break;
        case model::OpKind::shift:
          if (n > 1) post_p2p(rank, op, op.ranks[(index + 1) % n], op.ranks[(index + n - 1) % n]);
          break;
        case model::OpKind::collective:
          if (n > 1) run_collective(rank, op, index);
          break;
      }
    }
    for (Pending& p : state.pending) finish(rank, p);
    state.pending.clear();
    state.finish = sg4::Engine::get_clock();
    state.finished = true;
  }

  // ---- after the run ----

  SimulationResult collect() {
    for (int r = 0; r < static_cast<int>(ranks_.size()); ++r)
      if (!ranks_[r].finished)
        throw std::logic_error("simulation deadlocked: rank " + std::to_string(r) +
                               " never finished (a schedule posts a receive without a matching send)");
    SimulationResult result;
    for (const RankState& s : ranks_) result.latency_s = std::max(result.latency_s, s.finish);
    for (RankState& s : ranks_) {
      std::vector<Span> all = s.compute;
      all.insert(all.end(), s.comm.begin(), s.comm.end());
      const double busy = covered(all);
      DeviceTimes t{.finish_s = s.finish, .compute_s = covered(s.compute), .comm_s = covered(s.comm)};
      t.exposed_comm_s = busy - t.compute_s;
      t.idle_s = result.latency_s - busy;
      t.bytes_sent = s.bytes_sent;
      t.compute_s_by_category = s.compute_by_category;
      result.devices.push_back(t);
      result.timeline.push_back(std::move(s.timeline));
    }
    if (!input_.record_timeline) result.timeline.clear();
    result.op_end_s = op_end_;
    result.links = platform_->traffic();
    for (const LinkTraffic& l : result.links) result.link_bytes_by_class[l.link_class] += l.bytes;
    for (const model::Op& op : graph_.ops()) {
      if (op.kind != model::OpKind::collective || op.ranks.size() < 2) continue;
      const CollectiveChoice& c = collective_plans_[op.id].choice;
      result.collectives.push_back({op.name, model::to_string(op.collective), to_string(c.algorithm),
                                    nccl() ? to_string(c.protocol) : "none", static_cast<int>(op.ranks.size()),
                                    op.bytes, c.estimate_s});
    }
    return result;
  }

  const model::TaskGraph& graph_;
  const SimulationInput& input_;
  std::vector<int> node_of_rank_;
  std::vector<std::vector<std::pair<model::OpId, int>>> ops_of_rank_;  // (op, index in op.ranks)
  std::vector<CollectivePlan> collective_plans_;
  RankRoutes routes_;
  std::unordered_map<std::uint64_t, sg4::Mailbox*> mailboxes_;
  std::unique_ptr<Platform> platform_;
  std::vector<RankState> ranks_;
  std::vector<double> op_end_;  // per op: when its last part ended
};

}  // namespace

SimulationResult execute_in_this_process(const model::TaskGraph& graph, const SimulationInput& input) {
  // CM02 without cross-traffic or the TCP window bound: an uncontended transfer costs exactly
  // latency + size / bandwidth and concurrent flows share links max-min fairly
  // (../shared/research/engine_and_hardware.md §2.7, §2.9).
  std::vector<std::string> args{"clustersim",
                                "--log=root.thres:critical",
                                "--cfg=network/model:CM02",
                                "--cfg=network/crosstraffic:0",
                                "--cfg=network/TCP-gamma:0",
                                "--cfg=contexts/stack-size:256"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  sg4::Engine engine(&argc, argv.data());
  Execution execution(graph, input);
  return execution.run();
}

}  // namespace clustersim::sim
