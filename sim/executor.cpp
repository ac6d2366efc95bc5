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
//
// A host copy (an offloaded KV cache fetched into the device, or a new token's KV stored back) is
// a flow between the device and the host memory of its nearest cpu, on the topology's route:
// it shares PCIe switches, host links and the cpu's memory bandwidth with every other flow.
//
// In the SimGrid way (examples/cpp/*/s4u-*.cpp): plan_execution() prepares what the ranks need,
// RankActor is the rank, collect() turns what they recorded into the result, and
// execute_in_this_process() only wires them. NCCL and MPI differ behind CollectiveLibrary.

#include "sim/executor.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "sim/collective_library.hpp"
#include "sim/collectives/schedule.hpp"
#include "sim/platform.hpp"
#include "sim/rank_routes.hpp"

namespace sg4 = simgrid::s4u;

namespace clustersim::sim {
namespace {

enum class Doing { compute, send, recv, collective, host_copy };

const char* to_string(Doing doing) {
  switch (doing) {
    case Doing::compute: return "compute";
    case Doing::send: return "send";
    case Doing::recv: return "recv";
    case Doing::collective: return "collective";
    case Doing::host_copy: return "host_copy";
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

// ---- the plan: what the ranks need before the engine runs ----

/// How a collective op runs: its group layout and the tuner's choice.
struct CollectivePlan {
  GroupLayout group;
  CollectiveChoice choice;
};

struct ExecutionPlan {
  std::vector<std::vector<std::pair<model::OpId, int>>> ops_of_rank;  ///< (op, index in op.ranks)
  std::vector<CollectivePlan> collectives;                            ///< per op; set for collectives
  std::vector<std::pair<int, int>> pairs;                             ///< (from, to) endpoints that message
  /// Topology vertices of the endpoints: the ranks' devices, then the host tiers that host copies
  /// reach; tier_of_rank[r][tier] indexes it (-1: rank r copies nothing there).
  std::vector<int> endpoints;
  std::vector<std::array<int, 2>> tier_of_rank;

  /// Rank `index` of a collective's group: its schedule of steps, per channel.
  Channels schedule_of(const model::Op& op, int index) const {
    const CollectivePlan& plan = collectives[op.id];
    const int root = op.root < 0 ? 0 : group_index(op, op.root);
    return collective_schedule(op.collective, plan.choice.algorithm, plan.group, index, root, op.bytes);
  }

  static int group_index(const model::Op& op, int rank) {
    return static_cast<int>(std::find(op.ranks.begin(), op.ranks.end(), rank) - op.ranks.begin());
  }
};

void plan_collectives(ExecutionPlan& plan, const model::TaskGraph& graph, const SimulationInput& input,
                      RankRoutes& routes) {
  plan.collectives.resize(graph.ops().size());
  std::vector<std::pair<int, int>> ring_neighbours;
  for (const model::Op& op : graph.ops())
    if (op.kind == model::OpKind::collective)
      for (std::size_t i = 0; i < op.ranks.size(); ++i)
        ring_neighbours.emplace_back(op.ranks[i], op.ranks[(i + 1) % op.ranks.size()]);
  routes.prefetch(ring_neighbours);
  for (const model::Op& op : graph.ops()) {
    if (op.kind != model::OpKind::collective) continue;
    CollectivePlan& collective = plan.collectives[op.id];
    std::vector<int> node_of;
    for (int rank : op.ranks) node_of.push_back(input.placement.node_of_rank[rank]);
    collective.group = GroupLayout(std::move(node_of));
    std::vector<topo::Route> ring;
    for (std::size_t i = 0; i < op.ranks.size(); ++i)
      ring.push_back(routes.get(op.ranks[i], op.ranks[(i + 1) % op.ranks.size()]));
    collective.choice = choose_collective(op.collective, op.bytes,
                                          describe_group(collective.group, ring, *input.topology), input.collectives);
  }
}

std::vector<std::pair<int, int>> communicating_pairs(const ExecutionPlan& plan, const model::TaskGraph& graph) {
  std::vector<std::pair<int, int>> pairs;
  for (const model::Op& op : graph.ops()) {
    const int n = static_cast<int>(op.ranks.size());
    if (op.kind == model::OpKind::host_copy)
      for (int rank : op.ranks) {
        const int tier = plan.tier_of_rank[rank][op.tier == model::HostTier::disk ? 1 : 0];
        op.direction == model::CopyDirection::to_device ? pairs.emplace_back(tier, rank)
                                                        : pairs.emplace_back(rank, tier);
      }
    if (op.kind == model::OpKind::send) pairs.emplace_back(op.ranks[0], op.ranks[1]);
    if (op.kind == model::OpKind::shift && n > 1)
      for (int i = 0; i < n; ++i) pairs.emplace_back(op.ranks[i], op.ranks[(i + 1) % n]);
    if (op.kind == model::OpKind::collective)
      for (int i = 0; i < n; ++i)
        for (const Schedule& channel : plan.schedule_of(op, i))
          for (const Step& step : channel)
            for (const Transfer& t : step.sends) pairs.emplace_back(op.ranks[i], op.ranks[t.peer]);
  }
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  return pairs;
}

/// The topology vertices that send and receive: the ranks' devices, then the host tiers (cpus'
/// memories, disks) that host copies reach.
struct Endpoints {
  std::vector<int> vertices;
  /// Per rank, per HostTier: the index into vertices of that tier; -1: the rank copies nothing there.
  std::vector<std::array<int, 2>> tier_of_rank;
};

/// Throws: std::invalid_argument when the graph has more ranks than devices were placed, or a
/// rank that copies sits on a device without that tier.
Endpoints plan_endpoints(const model::TaskGraph& graph, const SimulationInput& input) {
  const int ranks = graph.rank_count();
  if (static_cast<int>(input.gpu_of_rank.size()) < ranks)
    throw std::invalid_argument("the task graph uses more ranks than GPUs were placed");
  if (input.placement.size() < ranks)
    throw std::invalid_argument("the task graph uses more ranks than the placement has");
  const topo::Topology& topology = *input.topology;
  Endpoints endpoints{{input.gpu_of_rank.begin(), input.gpu_of_rank.begin() + ranks},
                      std::vector<std::array<int, 2>>(ranks, {-1, -1})};
  std::map<int, int> endpoint_of_vertex;
  for (const model::Op& op : graph.ops()) {
    if (op.kind != model::OpKind::host_copy) continue;
    const bool disk = op.tier == model::HostTier::disk;
    for (int rank : op.ranks) {
      int& endpoint = endpoints.tier_of_rank[rank][disk ? 1 : 0];
      if (endpoint >= 0) continue;
      const int device = input.gpu_of_rank[rank];
      const int tier = disk ? topology.nearest_disk(device) : topology.nearest_cpu(device);
      if (tier < 0)
        throw std::invalid_argument("device '" + topology.vertices()[device].id + "' reaches no " +
                                    (disk ? "disk" : "cpu") + ": it has no host " + model::to_string(op.tier) +
                                    " to copy to or from");
      const auto [it, added] = endpoint_of_vertex.try_emplace(tier, static_cast<int>(endpoints.vertices.size()));
      if (added) endpoints.vertices.push_back(tier);
      endpoint = it->second;
    }
  }
  return endpoints;
}

ExecutionPlan plan_execution(const model::TaskGraph& graph, const SimulationInput& input, Endpoints endpoints,
                             RankRoutes& routes) {
  const int ranks = graph.rank_count();
  ExecutionPlan plan;
  plan.ops_of_rank.resize(ranks);
  for (const model::Op& op : graph.ops())
    for (std::size_t i = 0; i < op.ranks.size(); ++i)
      plan.ops_of_rank[op.ranks[i]].push_back({op.id, static_cast<int>(i)});
  plan.endpoints = std::move(endpoints.vertices);
  plan.tier_of_rank = std::move(endpoints.tier_of_rank);
  plan_collectives(plan, graph, input, routes);
  plan.pairs = communicating_pairs(plan, graph);
  return plan;
}

// ---- what the rank actors share while the engine runs ----

/// A host copy's progress, shared by the rank that issued it and the actor that runs it.
struct CopyTicket {
  bool done = false;
  double start = 0, end = 0;
  sg4::MutexPtr mutex = sg4::Mutex::create();
  sg4::ConditionVariablePtr finished = sg4::ConditionVariable::create();

  void wait() {
    std::unique_lock lock(*mutex);
    while (!done) finished->wait(lock);
  }
  void finish(double at) {
    std::unique_lock lock(*mutex);
    end = at;
    done = true;
    finished->notify_all();
  }
};

/// One copy engine of a device, for one direction: runs the copies posted to it one after another,
/// as a stream of cudaMemcpyAsync calls does, until its rank stops it.
class CopyEngine {
 public:
  struct Copy {
    sg4::Host* from;
    sg4::Host* to;
    std::uint64_t bytes;
    double issue_s;  // a gather's issue of one copy per piece
    std::shared_ptr<CopyTicket> ticket;
  };

  void post(Copy copy) {
    std::unique_lock lock(*mutex_);
    queue_.push_back(std::move(copy));
    posted_->notify_all();
  }

  /// Ends the actor once the copies posted so far are done.
  void stop() {
    std::unique_lock lock(*mutex_);
    stopping_ = true;
    posted_->notify_all();
  }

  void operator()() {
    for (;;) {
      Copy copy;
      {
        std::unique_lock lock(*mutex_);
        while (queue_.empty() && !stopping_) posted_->wait(lock);
        if (queue_.empty()) return;
        copy = std::move(queue_.front());
        queue_.pop_front();
      }
      copy.ticket->start = sg4::Engine::get_clock();
      if (copy.issue_s > 0) sg4::this_actor::sleep_for(copy.issue_s);
      sg4::Comm::sendto(copy.from, copy.to, copy.bytes);
      copy.ticket->finish(sg4::Engine::get_clock());
    }
  }

 private:
  std::deque<Copy> queue_;
  bool stopping_ = false;
  sg4::MutexPtr mutex_ = sg4::Mutex::create();
  sg4::ConditionVariablePtr posted_ = sg4::ConditionVariable::create();
};

struct Pending {
  sg4::ActivityPtr activity;  // none for kernels and copies, and for a rendezvous until its ranks enter MPI
  int op;
  Doing kind;
  double start;
  double bytes;
  double kernel_end = 0;
  int peer = -1;                     // send: the receiver; recv: the sender
  bool rendezvous = false;           // posted when the rank enters the library, not when issued
  std::shared_ptr<CopyTicket> copy;  // a host copy
};

struct RankState {
  std::vector<Pending> pending;
  std::vector<Span> compute, comm;
  std::map<std::string, double> compute_by_category;
  std::vector<Interval> timeline;
  double bytes_sent = 0;
  double stream_free = 0;                  // when the device's kernel stream is next idle
  std::shared_ptr<CopyEngine> engines[2];  // copies to the device, to the host; made on first use
  double finish = 0;
  bool finished = false;
  char* sink = nullptr;  // where received payload pointers land; never read
};

struct World {
  const model::TaskGraph& graph;
  const SimulationInput& input;
  const ExecutionPlan& plan;
  const CollectiveLibrary& library;
  Platform& platform;
  std::vector<RankState> ranks;
  std::vector<double> op_end;  // per op: when its last part ended
  std::unordered_map<std::uint64_t, sg4::Mailbox*> mailboxes;
  std::exception_ptr error;  // the first exception a rank raised: rethrown after the run

  /// Messages from one rank to another on one channel match in the order they are posted.
  sg4::Mailbox* mailbox(int from, int to, int channel) {
    const std::uint64_t key = (static_cast<std::uint64_t>(channel) << 48) | (static_cast<std::uint64_t>(from) << 24) |
                              static_cast<std::uint64_t>(to);
    auto it = mailboxes.find(key);
    if (it == mailboxes.end())
      it = mailboxes
               .emplace(key, sg4::Mailbox::by_name(std::to_string(from) + ">" + std::to_string(to) + "#" +
                                                   std::to_string(channel)))
               .first;
    return it->second;
  }
};

// ---- the rank: issues its ops in graph order ----

class RankActor {
 public:
  RankActor(World& world, int rank) : world_(world), rank_(rank) {}

  void operator()() {
    try {
      run();
    } catch (...) {  // an exception must not leave an actor: the run ends and it is rethrown
      if (!world_.error) world_.error = std::current_exception();
    }
    for (const auto& engine : state().engines)
      if (engine) engine->stop();
  }

 private:
  // Rendezvous messages match on a channel of their own: they are posted later than eager ones
  // issued after them, and must not take those messages' place in the mailbox order.
  static constexpr int kRendezvousChannel = 1 << 16;

  RankState& state() { return world_.ranks[rank_]; }

  void run() {
    const model::DeviceProfile& device = *world_.input.device;
    for (const auto& [op_id, index] : world_.plan.ops_of_rank[rank_]) {
      const model::Op& op = world_.graph.op(op_id);
      wait_for(op.deps);
      const int n = static_cast<int>(op.ranks.size());
      switch (op.kind) {
        case model::OpKind::compute: {
          const model::KernelCost& cost = op.cost[index];
          const double start = std::max(sg4::Engine::get_clock(), state().stream_free);
          state().stream_free =
              start + device.kernel_time(cost.flops, cost.hbm_bytes, world_.input.dtype, cost.launches);
          state().pending.push_back({nullptr, op.id, Doing::compute, start, 0, state().stream_free});
          break;
        }
        case model::OpKind::send: post_p2p(op, index == 0 ? op.ranks[1] : -1, index == 1 ? op.ranks[0] : -1); break;
        case model::OpKind::shift:
          if (n > 1) post_p2p(op, op.ranks[(index + 1) % n], op.ranks[(index + n - 1) % n]);
          break;
        case model::OpKind::collective:
          if (n > 1) run_collective(op, index);
          break;
        case model::OpKind::host_copy: post_host_copy(op); break;
      }
    }
    for (Pending& p : state().pending) finish(p);
    state().pending.clear();
    state().finish = sg4::Engine::get_clock();
    state().finished = true;
  }

  bool on_host_cpu() const {
    const SimulationInput& in = world_.input;
    return in.topology->vertices()[in.gpu_of_rank[rank_]].kind == topo::VertexKind::cpu_rank;
  }

  /// Posts a message of `bytes` payload to `peer`; the wire carries bytes × the protocol's factor.
  sg4::CommPtr post_send(int peer, double bytes, Protocol protocol, int channel = 0) {
    static char token;
    const double wire = bytes * wire_factor(protocol);
    world_.platform.count(world_.platform.route(rank_, peer), wire);
    state().bytes_sent += bytes;
    return world_.mailbox(rank_, peer, channel)->put_async(&token, static_cast<std::uint64_t>(std::llround(wire)));
  }

  sg4::CommPtr post_recv(int peer, int channel = 0) {
    return world_.mailbox(peer, rank_, channel)->get_async<char>(&state().sink);
  }

  /// The rank's thread enters a library call: every rendezvous message it has issued starts, as
  /// MPI progresses all outstanding requests inside any call. A CPU rank's thread runs its
  /// kernels itself, so it enters only after them.
  void enter_library() {
    if (on_host_cpu() && state().stream_free > sg4::Engine::get_clock())
      sg4::this_actor::sleep_until(state().stream_free);
    for (Pending& p : state().pending) {
      if (!p.rendezvous || p.activity) continue;
      p.start = sg4::Engine::get_clock();
      p.activity = p.kind == Doing::send ? post_send(p.peer, p.bytes, Protocol::simple, kRendezvousChannel)
                                         : post_recv(p.peer, kRendezvousChannel);
    }
  }

  void record(Doing kind, int op, double start, double end, double bytes) {
    RankState& s = state();
    (kind == Doing::compute ? s.compute : s.comm).emplace_back(start, end);
    world_.op_end[op] = std::max(world_.op_end[op], end);
    if (kind == Doing::compute) {  // kernels of one stream never overlap: their times add up
      const std::string& category = world_.graph.op(op).category;
      s.compute_by_category[category.empty() ? "other" : category] += end - start;
    }
    if (world_.input.record_timeline) s.timeline.push_back({to_string(kind), op, start, end, bytes});
  }

  void finish(Pending& p) {
    if (p.copy) {
      p.copy->wait();
      record(p.kind, p.op, p.copy->start, p.copy->end, p.bytes);
      return;
    }
    if (p.rendezvous) enter_library();
    if (!p.activity) {
      if (p.kernel_end > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(p.kernel_end);
      record(p.kind, p.op, p.start, p.kernel_end, p.bytes);
      return;
    }
    p.activity->wait();
    record(p.kind, p.op, p.start, p.activity->get_finish_time(), p.bytes);
  }

  void wait_for(const std::vector<model::OpId>& deps) {
    auto& pending = state().pending;
    for (std::size_t i = 0; i < pending.size();) {
      if (std::find(deps.begin(), deps.end(), pending[i].op) != deps.end()) {
        finish(pending[i]);
        pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        ++i;
      }
    }
  }

  void run_collective(const model::Op& op, int index) {
    const CollectiveChoice& choice = world_.plan.collectives[op.id].choice;
    const CollectiveLibrary& library = world_.library;
    if (library.progresses_only_in_calls()) enter_library();
    const double start = sg4::Engine::get_clock();
    if (const auto launch = library.collective_launch_s(choice.algorithm, choice.protocol))
      sg4::this_actor::sleep_for(*launch);
    const Channels channels = world_.plan.schedule_of(op, index);
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
            const bool exchange =
                std::any_of(step.recvs.begin(), step.recvs.end(), [&](const Transfer& r) { return r.peer == t.peer; });
            const PairRoute& route = world_.platform.route(rank_, op.ranks[t.peer]);
            overhead = std::max(overhead, library.hop_overhead_s(choice.algorithm, choice.protocol, route, exchange));
          }
          if (overhead > 0) sg4::this_actor::sleep_for(overhead);
        }
        for (const Transfer& t : step.sends) sends.push_back(post_send(op.ranks[t.peer], t.bytes, choice.protocol, c));
        for (const Transfer& t : step.recvs) at.recvs.push_back(post_recv(op.ranks[t.peer], c));
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
    record(Doing::collective, op.id, start, sg4::Engine::get_clock(), op.bytes);
  }

  /// A copy between the device and a host tier on the device's copy engine for that direction:
  /// in the background, after the engine's previous copy (copies of one engine run one after
  /// another, as cudaMemcpyAsync calls on one stream do), as a flow along the route. A gather
  /// first pays the issue of each of its pieces.
  void post_host_copy(const model::Op& op) {
    const int host = world_.plan.tier_of_rank[rank_][op.tier == model::HostTier::disk ? 1 : 0];
    const bool to_device = op.direction == model::CopyDirection::to_device;
    const int from = to_device ? host : rank_, to = to_device ? rank_ : host;
    world_.platform.count(world_.platform.route(from, to), op.bytes);
    std::shared_ptr<CopyEngine>& engine = state().engines[to_device ? 0 : 1];
    if (!engine) {
      engine = std::make_shared<CopyEngine>();
      sg4::Actor::create("copy_engine", world_.platform.host(rank_), [engine] { (*engine)(); });
    }
    auto ticket = std::make_shared<CopyTicket>();
    engine->post({world_.platform.host(from), world_.platform.host(to),
                  static_cast<std::uint64_t>(std::llround(op.bytes)),
                  op.gather_pieces * world_.input.device->launch_overhead.value, ticket});
    state().pending.push_back({nullptr, op.id, Doing::host_copy, sg4::Engine::get_clock(), op.bytes});
    state().pending.back().copy = ticket;
  }

  bool rendezvous(int from, int to, double bytes) const {
    const std::vector<int>& node = world_.input.placement.node_of_rank;
    return world_.library.rendezvous(bytes, node[from] == node[to]);
  }

  /// A point-to-point op: the library's launch, then its send to `to` and its receive from
  /// `from` (-1: none) in the background; a rendezvous waits for its ranks to enter the library.
  void post_p2p(const model::Op& op, int to, int from) {
    const Protocol protocol = world_.library.p2p_protocol(op.bytes);
    const double issued = sg4::Engine::get_clock();
    const PairRoute* send_route = to >= 0 ? &world_.platform.route(rank_, to) : nullptr;
    if (const auto launch = world_.library.p2p_launch_s(protocol, send_route)) sg4::this_actor::sleep_for(*launch);
    auto message = [&](Doing kind, int peer, bool deferred) {
      sg4::ActivityPtr activity;
      if (!deferred)
        activity = kind == Doing::send ? sg4::ActivityPtr(post_send(peer, op.bytes, protocol))
                                       : sg4::ActivityPtr(post_recv(peer));
      state().pending.push_back({activity, op.id, kind, issued, op.bytes, 0, peer, deferred});
    };
    if (to >= 0) message(Doing::send, to, rendezvous(rank_, to, op.bytes));
    if (from >= 0) message(Doing::recv, from, rendezvous(from, rank_, op.bytes));
  }

  World& world_;
  int rank_;
};

// ---- after the run ----

SimulationResult collect(World& world) {
  if (world.error) std::rethrow_exception(world.error);
  for (int r = 0; r < static_cast<int>(world.ranks.size()); ++r)
    if (!world.ranks[r].finished)
      throw std::logic_error("simulation deadlocked: rank " + std::to_string(r) +
                             " never finished (a schedule posts a receive without a matching send)");
  SimulationResult result;
  for (const RankState& s : world.ranks) result.latency_s = std::max(result.latency_s, s.finish);
  for (RankState& s : world.ranks) {
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
  if (!world.input.record_timeline) result.timeline.clear();
  result.op_end_s = world.op_end;
  result.links = world.platform.traffic();
  for (const LinkTraffic& l : result.links) result.link_bytes_by_class[l.link_class] += l.bytes;
  for (const model::Op& op : world.graph.ops()) {
    if (op.kind != model::OpKind::collective || op.ranks.size() < 2) continue;
    const CollectiveChoice& c = world.plan.collectives[op.id].choice;
    result.collectives.push_back({op.name, model::to_string(op.collective), to_string(c.algorithm),
                                  world.library.protocol_label(c.protocol), static_cast<int>(op.ranks.size()), op.bytes,
                                  c.estimate_s});
  }
  return result;
}

}  // namespace

SimulationResult execute_in_this_process(const model::TaskGraph& graph, const SimulationInput& input) {
  // CM02 without cross-traffic or the TCP window bound: an uncontended transfer costs exactly
  // latency + size / bandwidth and concurrent flows share links max-min fairly (docs/engine.md).
  std::vector<std::string> args{"clustersim",
                                "--log=root.thres:critical",
                                "--cfg=network/model:CM02",
                                "--cfg=network/crosstraffic:0",
                                "--cfg=network/TCP-gamma:0",
                                "--cfg=contexts/stack-size:256"};
#ifdef CLUSTERSIM_SANITIZED
  // AddressSanitizer cannot follow SimGrid's own stack switching (this Debian build does not tell
  // it); on threads the simulation is the same, event for event, only slower.
  args.push_back("--cfg=contexts/factory:thread");
#endif
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  sg4::Engine engine(&argc, argv.data());

  Endpoints endpoints = plan_endpoints(graph, input);
  const std::vector<int> vertices = endpoints.vertices;
  RankRoutes routes(*input.topology, vertices);
  const ExecutionPlan plan = plan_execution(graph, input, std::move(endpoints), routes);
  routes.prefetch(plan.pairs);
  Platform platform(*input.topology, plan.endpoints, plan.pairs,
                    [&routes](int from, int to) -> const topo::Route& { return routes.get(from, to); });
  const std::unique_ptr<CollectiveLibrary> library = make_collective_library(input.collectives);
  World world{.graph = graph, .input = input, .plan = plan, .library = *library, .platform = platform};
  world.ranks.resize(plan.ops_of_rank.size());
  world.op_end.assign(graph.ops().size(), 0.0);
  for (int r = 0; r < static_cast<int>(world.ranks.size()); ++r)
    sg4::Actor::create("rank" + std::to_string(r), platform.host(r), RankActor(world, r));
  sg4::Engine::get_instance()->run();
  return collect(world);
}

}  // namespace clustersim::sim
