// SPDX-License-Identifier: Apache-2.0
#include "live/gpu_inventory.hpp"

#include <chrono>
#include <string>

#include <fmt/format.h>

#include "common/input_error.hpp"
#include "common/process_runner.hpp"

namespace clustersim::live {
namespace {

constexpr int kExitNoGpu = 3;  // clustersim_live_gpu's "no usable GPU"

std::string first_line(const std::string& text) {
  const std::string line = text.substr(0, text.find('\n'));
  const std::string prefix = "clustersim_live_gpu: ";
  return line.rfind(prefix, 0) == 0 ? line.substr(prefix.size()) : line;
}

}  // namespace

GpuInventory count_gpus(const std::filesystem::path& program) {
  const ProcessOutput out = run_process({.command = {program.string(), "--count-gpus"},
                                         .what = program.string() + " --count-gpus",
                                         .timeout = std::chrono::seconds(60)});
  if (out.exit_code == kExitNoGpu) return {.count = 0, .why_none = first_line(out.stderr_text)};
  if (out.exit_code != 0)
    throw LaunchError(
        fmt::format("{} --count-gpus failed (exit status {}): {}", program.string(), out.exit_code, out.stderr_text));
  try {
    return {.count = std::stoi(out.stdout_text)};
  } catch (const std::exception&) {
    throw LaunchError(fmt::format("{} --count-gpus printed '{}', not a number", program.string(), out.stdout_text));
  }
}

void require_gpus(const std::vector<LiveCase>& plan, const GpuInventory& gpus, const std::string& scenario_origin) {
  std::vector<std::string> refused;
  for (const LiveCase& p : plan) {
    if (p.backend != Backend::gpu || !p.unsupported.empty() || p.ranks <= gpus.count) continue;
    refused.push_back(fmt::format("case {} ({} on {} GPUs, context {}) needs {} GPUs; this machine has {}{}",
                                  p.spec->index, p.spec->strategy.label(), p.ranks, p.spec->shape.context, p.ranks,
                                  gpus.count,
                                  gpus.why_none.empty() ? std::string() : std::string(": ") + gpus.why_none));
  }
  if (!refused.empty())
    throw InputError({scenario_origin}, "cases",
                     fmt::format("this machine cannot run {} of the scenario's GPU cases live:\n  {}", refused.size(),
                                 fmt::join(refused, "\n  ")));
}

}  // namespace clustersim::live
