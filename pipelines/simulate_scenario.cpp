// SPDX-License-Identifier: Apache-2.0
// Scenario -> results. Everything that can fail on bad input (topologies, profiles, GPU counts)
// is resolved before the first simulation starts, so a bad case fails fast and writes nothing.
#include "pipelines/simulate_scenario.hpp"

#include <algorithm>
#include <future>
#include <limits>
#include <map>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "common/input_error.hpp"
#include "common/interrupt.hpp"
#include "model/device_profile.hpp"
#include "model/generation.hpp"
#include "model/measured_links.hpp"
#include "reports/trace.hpp"
#include "topologies/topology.hpp"

#include "build_config.hpp"

namespace clustersim::pipelines {
namespace {

/// A case ready to simulate: everything resolved, nothing run.
struct PreparedCase {
  const scenarios::Case* spec = nullptr;
  const topo::Topology* topology = nullptr;
  const model::DeviceProfile* device = nullptr;
  std::vector<int> gpus;       ///< topology vertices, one per rank
  model::Placement placement;  ///< node of each rank
  model::TaskGraph graph;
  std::vector<model::MemoryUse> memory;  ///< per rank
  model::OpId first_token = -1;          ///< end-to-end cases: the prefill's last op
  results::CaseResult row;
  std::string trace_json;  ///< when this case's timeline was asked for
};

/// The GPUs the case asks for. Throws: InputError when the topology has fewer.
int gpus_asked(const scenarios::Scenario& scenario, const scenarios::Case& c, const topo::Topology& topology) {
  const int available = static_cast<int>(topology.devices().size());
  const int asked = c.gpus == 0 ? available : c.gpus;
  if (asked > available)
    throw InputError({scenario.origin}, "gpus",
                     "case " + std::to_string(c.index) + " asks for " + std::to_string(asked) + " GPUs but topology '" +
                         c.topology.spec() + "' has " + std::to_string(available));
  return asked;
}

/// Whether the case keeps K and V in a host tier (an offloading strategy).
bool offloads(const scenarios::Case& c) {
  return model::strategy(c.strategy.name).kv_residence(c.strategy).device_fraction < 1;
}

model::HostTier offload_tier(const scenarios::Case& c) {
  return model::strategy(c.strategy.name).kv_residence(c.strategy).tier;
}

/// The vertex holding `device`'s share of `tier`: its nearest cpu, or the disk beside it (-1: none).
int tier_vertex(const topo::Topology& topology, int device, model::HostTier tier) {
  return tier == model::HostTier::disk ? topology.nearest_disk(device) : topology.nearest_cpu(device);
}

/// An offloading case's devices must each reach the tier it offloads to, sized by the topology.
/// Throws: InputError at the scenario's topology, naming the device, the cpu or the disk.
void check_host_tier(const scenarios::Scenario& scenario, const scenarios::Case& c, const topo::Topology& topology) {
  if (!offloads(c)) return;
  const model::HostTier tier = offload_tier(c);
  const bool disk = tier == model::HostTier::disk;
  const int used = model::devices_used(c.strategy, gpus_asked(scenario, c, topology));
  const std::string why = fmt::format(
      "strategy '{}' keeps K and V {}", c.strategy.label(),
      disk ? "on the disk beside each device's nearest cpu" : "in the host memory of each device's nearest cpu");
  for (int i = 0; i < used; ++i) {
    const topo::Vertex& device = topology.vertices()[topology.devices()[i]];
    const int vertex = tier_vertex(topology, topology.devices()[i], tier);
    if (vertex < 0)
      throw InputError(c.topology_at, fmt::format("vertex '{}'", device.id),
                       disk ? fmt::format("topology '{}': {} '{}' has no disk beside its nearest cpu, so it has no "
                                          "disk tier",
                                          c.topology.spec(), topo::to_string(device.kind), device.id)
                            : fmt::format("topology '{}': {} '{}' reaches no cpu, so it has no host memory tier",
                                          c.topology.spec(), topo::to_string(device.kind), device.id),
                       why);
    const topo::Vertex& holder = topology.vertices()[vertex];
    if (holder.memory_capacity_B <= 0)
      throw InputError(c.topology_at, fmt::format("vertex '{}'", holder.id),
                       fmt::format("topology '{}': {} '{}', the {} of {} '{}', gives no memory_GB, so the tier's "
                                   "size is unknown",
                                   c.topology.spec(), topo::to_string(holder.kind), holder.id, disk ? "disk" : "host",
                                   topo::to_string(device.kind), device.id),
                       why + fmt::format("; give the {} vertex a memory_GB attribute (topologies/README.md)",
                                         topo::to_string(holder.kind)));
  }
}

/// Bytes each tier vertex (a cpu's memory, a disk) holds for the ranks on `gpus`.
std::map<int, double> tier_use(const topo::Topology& topology, const std::vector<int>& gpus,
                               const std::vector<model::MemoryUse>& memory) {
  std::map<int, double> use;
  for (std::size_t r = 0; r < gpus.size() && r < memory.size(); ++r) {
    if (memory[r].host_kv > 0) use[topology.nearest_cpu(gpus[r])] += memory[r].host_kv;
    if (memory[r].disk_kv > 0) use[topology.nearest_disk(gpus[r])] += memory[r].disk_kv;
  }
  return use;
}

PreparedCase prepare(const scenarios::Scenario& scenario, const scenarios::Case& c, const topo::Topology& topology,
                     const model::DeviceProfile& device) {
  PreparedCase p{.spec = &c, .topology = &topology, .device = &device};
  const auto& all_gpus = topology.devices();
  const int used = model::devices_used(c.strategy, gpus_asked(scenario, c, topology));
  p.gpus.assign(all_gpus.begin(), all_gpus.begin() + used);

  p.placement = model::placement_on(topology, p.gpus);
  const model::Placement& placement = p.placement;
  if (c.model) {
    model::GenerationPlan plan = model::plan_generation(*c.model,
                                                        {.batch = c.shape.batch,
                                                         .prompt_tokens = c.prompt_tokens,
                                                         .new_tokens = c.new_tokens,
                                                         .strategy = c.strategy,
                                                         .reference = c.reference},
                                                        placement);
    p.graph = std::move(plan.graph);
    p.memory = std::move(plan.memory);
    p.first_token = plan.first_token;
  } else {
    model::DecodePlan plan = model::plan_decode(c.strategy, c.shape, placement);
    p.graph = std::move(plan.graph);
    p.memory = std::move(plan.memory);
  }

  results::CaseResult& row = p.row;
  row.index = c.index;
  row.scenario = scenario.name;
  row.topology = c.topology.spec();
  row.gpus = used;
  row.strategy = c.strategy.label();
  row.context = c.shape.context;
  row.batch = c.shape.batch;
  row.heads = c.shape.heads;
  row.kv_heads = c.shape.kv_heads;
  row.head_dim = c.shape.head_dim;
  row.dtype = model::to_string(c.shape.dtype);
  row.device = device.name;
  row.device_provenance = device.provenance;
  row.memory_capacity_bytes = device.memory_capacity.value;
  for (const model::MemoryUse& m : p.memory)
    if (m.total() > row.peak_mem_bytes) {
      row.peak_mem_bytes = m.total();
      row.peak_memory = m;
    }
  if (row.peak_mem_bytes > row.memory_capacity_bytes) row.status = results::CaseStatus::oom;
  // Of each kind of tier, the one filled most relative to its size speaks for the case.
  double fullest[2] = {0, 0};
  for (const auto& [vertex, bytes] : tier_use(topology, p.gpus, p.memory)) {
    const topo::Vertex& holder = topology.vertices()[vertex];
    const bool disk = holder.kind == topo::VertexKind::disk;
    if (bytes / holder.memory_capacity_B <= fullest[disk]) continue;
    fullest[disk] = bytes / holder.memory_capacity_B;
    (disk ? row.disk_bytes : row.host_mem_bytes) = bytes;
    (disk ? row.disk_capacity_bytes : row.host_memory_capacity_bytes) = holder.memory_capacity_B;
  }
  if (fullest[0] > 1 || fullest[1] > 1) row.status = results::CaseStatus::oom;
  row.fits_in_memory = row.status == results::CaseStatus::ok;
  if (c.model) {
    row.model = c.model->name;
    row.prompt_tokens = c.prompt_tokens;
    row.new_tokens = c.new_tokens;
    // Each device's fair share of the tier it shares with the others on its cpu or disk.
    double host_capacity = std::numeric_limits<double>::infinity();
    if (offloads(c)) {
      std::map<int, int> sharing;
      for (int g : p.gpus) ++sharing[tier_vertex(topology, g, offload_tier(c))];
      for (const auto& [vertex, ranks] : sharing)
        host_capacity = std::min(host_capacity, topology.vertices()[vertex].memory_capacity_B / ranks);
    }
    const model::GenerationSpec generation{.batch = c.shape.batch,
                                           .prompt_tokens = c.prompt_tokens,
                                           .new_tokens = c.new_tokens,
                                           .strategy = c.strategy,
                                           .reference = c.reference};
    row.longest_prompt_that_fits =
        model::longest_prompt_that_fits(*c.model, generation, placement, device.memory_capacity.value, host_capacity);
    row.largest_batch_that_fits =
        model::largest_batch_that_fits(*c.model, generation, placement, device.memory_capacity.value, host_capacity);
  }
  return p;
}

/// Runs `load`; an InputError that names no file of its own (an unknown generator or profile
/// name) is reported at `mark`, where the scenario names the thing.
template <typename Load>
auto located_at(const SourceMark& mark, Load load) -> decltype(load()) {
  try {
    return load();
  } catch (const InputError& e) {
    if (!e.mark().file.empty()) throw;
    throw InputError(mark, e.element(), e.message(), e.note());
  }
}

void fill_timing(results::CaseResult& row, const sim::SimulationResult& r) {
  row.latency_s = r.latency_s;
  // The breakdown is that of the device that finished last: it sets the latency.
  const auto last = std::max_element(r.devices.begin(), r.devices.end(),
                                     [](const auto& a, const auto& b) { return a.finish_s < b.finish_s; });
  row.compute_s = last->compute_s;
  row.comm_s = last->comm_s;
  row.exposed_comm_s = last->exposed_comm_s;
  row.idle_s = last->idle_s;
  row.compute_s_by_category = last->compute_s_by_category;
  for (const auto& d : r.devices) row.bytes_per_device = std::max(row.bytes_per_device, d.bytes_sent);
  row.link_bytes_by_class = r.link_bytes_by_class;
  row.collectives = r.collectives;
}

}  // namespace

results::Results simulate_scenario(const scenarios::Scenario& scenario, const RunOptions& options) {
  std::map<std::string, std::unique_ptr<topo::Topology>> topologies;
  std::map<std::string, std::unique_ptr<model::DeviceProfile>> devices;
  // A topology with a profile's measured link figures applied, per (topology, profile).
  std::map<std::pair<std::string, std::string>, std::unique_ptr<topo::Topology>> measured_topologies;
  // First every case's inputs, so that a bad one stops the run before any case is simulated;
  // task graphs are built only as cases enter the window of running ones (a sweep of a million
  // cases must not hold a million graphs).
  struct Inputs {
    const topo::Topology* topology;
    const model::DeviceProfile* device;
    std::map<std::string, std::string> figure_sources;
  };
  std::vector<Inputs> inputs;
  inputs.reserve(scenario.cases.size());
  for (const scenarios::Case& c : scenario.cases) {
    auto& topology = topologies[c.topology.spec()];
    if (!topology)
      topology = std::make_unique<topo::Topology>(
          located_at(c.topology_at, [&] { return topo::topology_from_spec(c.topology.spec()); }));
    auto& device = devices[c.device];
    if (!device) {
      device = std::make_unique<model::DeviceProfile>(
          located_at(c.device_at, [&] { return model::load_device_profile(c.device); }));
      if (options.on_profile) options.on_profile(describe_profile(*device));
      if (options.on_warning)
        for (const auto& [key, why] : device->flagged_figures())
          options.on_warning(fmt::format("device profile '{}' ({}): figure {} is flagged: {}", device->name,
                                         device->origin, key, why));
    }
    const topo::Topology* used = topology.get();
    if (has_measured_links(*topology, *device)) {
      auto& measured = measured_topologies[{c.topology.spec(), c.device}];
      if (!measured) measured = std::make_unique<topo::Topology>(with_measured_links(*topology, *device));
      used = measured.get();
    }
    gpus_asked(scenario, c, *used);
    check_host_tier(scenario, c, *used);
    if (const auto& check = model::strategy(c.strategy.name).check_inputs) {
      model::AttentionShape longest = c.shape;
      if (c.model) longest.context = c.prompt_tokens + c.new_tokens;
      check(c.strategy, longest, c.model ? c.model->layers : 1);
    }
    inputs.push_back({used, device.get(), figure_sources(*topology, *device)});
  }

  const int total = static_cast<int>(scenario.cases.size());
#ifdef CLUSTERSIM_SANITIZED
  // AddressSanitizer's allocator (clang 14) can be left locked in a child forked while another
  // thread allocates: one case at a time, forked from this thread alone.
  const int jobs = 1;
#else
  const int jobs = std::max(1, options.jobs > 0 ? options.jobs : static_cast<int>(std::thread::hardware_concurrency()));
#endif
  auto run_case = [&options](PreparedCase& p) {
    if (p.row.status != results::CaseStatus::ok) return;
    const bool traced = p.row.index == options.trace_case;
    sim::SimulationInput input{.topology = p.topology,
                               .gpu_of_rank = p.gpus,
                               .placement = p.placement,
                               .device = p.device,
                               .dtype = p.spec->shape.dtype,
                               .collectives = p.spec->collectives,
                               .record_timeline = traced};
    const sim::SimulationResult result = sim::simulate(p.graph, input);
    fill_timing(p.row, result);
    if (p.first_token >= 0) {
      p.row.prefill_s = result.op_end_s.at(p.first_token);
      p.row.total_s = result.latency_s;
      if (p.row.new_tokens > 1) p.row.decode_s_per_token = (p.row.total_s - p.row.prefill_s) / (p.row.new_tokens - 1);
      p.row.tokens_per_s = p.row.new_tokens / p.row.total_s;
      p.row.throughput_tokens_per_s = p.row.batch * p.row.tokens_per_s;
      if (const double price = p.device->price_per_hour.value; price > 0)
        p.row.tokens_per_USD = p.row.throughput_tokens_per_s * 3600 / (p.row.gpus * price);
    }
    if (!traced) return;
    std::vector<std::string> devices;
    for (int v : p.gpus) devices.push_back(p.topology->vertices()[v].id);
    p.trace_json = reports::chrome_trace_json(
        result, p.graph, devices,
        fmt::format("{} on {} ({} GPUs), context {}", p.row.strategy, p.row.topology, p.row.gpus, p.row.context));
  };
  results::Results results{.tool_version = CLUSTERSIM_VERSION,
                           .mode = "simulate",
                           .scenario = scenario.name,
                           .scenario_origin = scenario.origin};
  results.cases.reserve(scenario.cases.size());
  // A sliding window of `jobs` cases, prepared here in case order; each simulate() forks its own
  // SimGrid process. A case's graph is freed as soon as its row is kept.
  std::map<int, std::pair<std::unique_ptr<PreparedCase>, std::future<void>>> running;
  int next = 0;
  for (int done = 0; done < total; ++done) {
    throw_if_interrupted();
    for (; next < total && next < done + jobs; ++next) {
      const Inputs& in = inputs[next];
      auto p = std::make_unique<PreparedCase>(prepare(scenario, scenario.cases[next], *in.topology, *in.device));
      p->row.figure_sources = in.figure_sources;
      // One job: run in get(), on this thread, so that the fork happens with no other thread about.
      std::future<void> run = std::async(jobs > 1 ? std::launch::async : std::launch::deferred, run_case, std::ref(*p));
      running.emplace(next, std::make_pair(std::move(p), std::move(run)));
    }
    auto finished = running.extract(done);
    PreparedCase& p = *finished.mapped().first;
    finished.mapped().second.get();
    if (options.on_case_done) options.on_case_done(done + 1, total, p.row);
    if (options.on_trace && !p.trace_json.empty()) options.on_trace(p.row, p.trace_json);
    results.cases.push_back(std::move(p.row));
  }
  return results;
}

}  // namespace clustersim::pipelines
