// SPDX-License-Identifier: Apache-2.0
// The GPUs this machine offers the GPU backend, as clustersim_live_gpu sees them (it links the
// CUDA runtime; clustersim does not), and the refusal of GPU cases that need more.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "live/live_plan.hpp"

namespace clustersim::live {

struct GpuInventory {
  int count = 0;
  std::string why_none;  ///< when count is 0: the program's reason, e.g. "no GPU: CUDA driver …"
};

/// Asks `program --count-gpus`. Throws: LaunchError when it cannot run or fails otherwise than
/// with "no GPU" (exit status 3).
GpuInventory count_gpus(const std::filesystem::path& program);

/// Throws: InputError naming every GPU case of `plan` that needs more GPUs than `gpus` has, and
/// why there are none when there are none.
void require_gpus(const std::vector<LiveCase>& plan, const GpuInventory& gpus, const std::string& scenario_origin);

}  // namespace clustersim::live
