// SPDX-License-Identifier: Apache-2.0
// KV offloading with full fetch (FlexGen, Sheng et al., 2023, §4; DeepSpeed ZeRO-Inference): a
// share of every layer's K and V lives in a host tier (the memory of the device's nearest cpu, or
// the disk beside it, read through that memory) and is copied into a device buffer before
// the layer's attention, `prefetch` layers ahead, into one of `buffers` buffers; a buffer is
// reused once the attention of the layer it held is done, so with n buffers at most n - 1 layers
// are fetched ahead of the one computing. Copies of one direction run one after another on the
// device's copy engine, overlapped with the kernels. The new token's K and V go back to the tier
// after the QKV projection.
#include <algorithm>

#include <fmt/format.h>

#include "model/strategy_parts/strategy_parts.hpp"

namespace clustersim::model {
namespace {

struct Offload {
  double fraction = 1;
  int prefetch = 1;
  int buffers = 2;
  HostTier tier = HostTier::memory;
};

Offload offload_of(const StrategySpec& spec) {
  return {spec.number("fraction"), static_cast<int>(spec.number("prefetch")), static_cast<int>(spec.number("buffers")),
          host_tier(spec)};
}

/// Bytes each rank copies for one layer whose cache holds `cached` tokens.
double fetch_bytes(const AttentionShape& shape, const Placement& placement, const Offload& o, std::int64_t cached) {
  const std::vector<std::int64_t> tokens = shard_tokens(cached, placement.size());
  return o.fraction * shape.kv_bytes(static_cast<double>(*std::max_element(tokens.begin(), tokens.end())));
}

}  // namespace

StrategyOption host_tier_option() {
  return {.name = "tier",
          .values = {"memory", "disk"},
          .label_suffix = {{"disk", "+disk"}},
          .help =
              "memory: the host memory of the device's nearest cpu; disk: the disk beside that cpu, read "
              "through its memory"};
}

HostTier host_tier(const StrategySpec& spec) {
  return spec.option("tier") == to_string(HostTier::disk) ? HostTier::disk : HostTier::memory;
}

std::vector<StrategyOption> kv_offload_options() {
  return {
      {.name = "fraction",
       .values = {"1"},
       .help = "share of every layer's K and V kept in host memory and fetched each step, 0 to 1",
       .number = NumberRange{0, 1, false}},
      {.name = "prefetch",
       .values = {"1"},
       .help = "layers whose K and V are fetched ahead of the one computing (at most buffers - 1 take effect)",
       .number = NumberRange{1, 1024, true}},
      {.name = "buffers",
       .values = {"2"},
       .help = "device buffers for fetched layers, each one layer's offloaded K and V",
       .number = NumberRange{1, 1024, true}},
      host_tier_option(),
  };
}

std::vector<StrategyOption> with_kv_offload_options(std::vector<StrategyOption> base) {
  for (StrategyOption& o : kv_offload_options()) base.push_back(std::move(o));
  return base;
}

KvResidence kv_offload_residence(const StrategySpec& spec) {
  const Offload o = offload_of(spec);
  return {.device_fraction = 1 - o.fraction, .buffer_layers = o.fraction > 0 ? o.buffers : 0, .tier = o.tier};
}

AttentionStep add_kv_fetch(TaskGraph& g, const StrategySpec& spec, const AttentionShape& shape,
                           const Placement& placement, const AttentionStep& step) {
  const Offload o = offload_of(spec);
  if (o.fraction <= 0) return step;
  const std::vector<int> ranks = all_ranks(placement);
  const std::string& at = step.prefix;
  AttentionStep fetched = step;
  g.host_copy(at + "store_new_kv", {placement.size() - 1}, o.fraction * shape.kv_bytes(1), CopyDirection::to_host,
              o.tier, step.after);
  LayerHistory* history = step.history;
  if (!history) {  // a lone layer: its fetch is all there is
    fetched.after.push_back(g.host_copy(at + "fetch_kv", ranks, fetch_bytes(shape, placement, o, shape.context - 1),
                                        CopyDirection::to_device, o.tier, step.after));
    return fetched;
  }
  const int layer = static_cast<int>(history->layers.size()) - 1;
  const int ahead = std::min(o.prefetch, o.buffers - 1);
  const int last = std::max(layer, std::min(layer + ahead, history->total_layers - 1));
  const int first = history->prepared.empty() ? layer : history->prepared.rbegin()->first + 1;
  for (int target = first; target <= last; ++target) {
    std::vector<OpId> deps = history->layers[std::max(target - ahead, 0)].start;  // issued when that layer starts
    if (target >= o.buffers) {  // into the buffer the attention of layer target - buffers released
      const std::vector<OpId>& released = history->layers[target - o.buffers].done;
      deps.insert(deps.end(), released.begin(), released.end());
    }
    // A later step's cache holds one more token: the one this step adds.
    const bool next_step = target / history->layers_per_step != layer / history->layers_per_step;
    const double bytes = fetch_bytes(shape, placement, o, shape.context - (next_step ? 0 : 1));
    history->prepared[target].push_back(g.host_copy(at + fmt::format("fetch_kv+{}", target - layer), ranks, bytes,
                                                    CopyDirection::to_device, o.tier, deps));
  }
  const auto ready = history->prepared.find(layer);
  fetched.after.insert(fetched.after.end(), ready->second.begin(), ready->second.end());
  return fetched;
}

std::vector<MemoryUse> kv_offload_memory(std::vector<MemoryUse> memory, const StrategySpec& spec) {
  const Offload o = offload_of(spec);
  for (MemoryUse& m : memory) (o.tier == HostTier::disk ? m.disk_kv : m.host_kv) = o.fraction * m.kv_shard;
  return memory;
}

}  // namespace clustersim::model
