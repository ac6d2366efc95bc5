// SPDX-License-Identifier: Apache-2.0
// The probe writes into a scratch directory under the system temp dir; its files are read back
// into memory so that calibration writes them beside the profile together with the rest, whole.
#include "calibrate/gpu_probe.hpp"

#include <chrono>
#include <vector>

#include <fmt/format.h>

#include "common/output_dir.hpp"
#include "common/process_runner.hpp"
#include "common/read_file.hpp"

namespace clustersim::calibrate {
namespace {

std::string read_text(const std::filesystem::path& path) {
  return read_text_file(path, "GPU probe output", kTextFileLimit);
}

std::string last_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  const std::size_t nl = text.rfind('\n');
  return nl == std::string::npos ? text : text.substr(nl + 1);
}

}  // namespace

GpuProbeResult run_gpu_probe(const std::filesystem::path& probe, bool quick) {
  GpuProbeResult result;
  if (!std::filesystem::exists(probe)) {
    result.why_not = "built without CUDA";
    return result;
  }
  const ScratchDir scratch(std::filesystem::temp_directory_path(), "clustersim_gpu_probe_");
  const std::filesystem::path out = scratch.path() / "out";
  std::filesystem::create_directories(out);
  std::vector<std::string> argv{probe.string(), "--out", out.string()};
  if (quick) argv.push_back("--quick");
  ProcessOutput run;
  try {
    // A full sweep of every probe takes minutes; the timeout only stops a hung one.
    run = run_process({.command = argv, .what = "the GPU probe", .timeout = std::chrono::hours(1)});
  } catch (const LaunchError& e) {
    result.why_not = e.what();
    return result;
  }
  const std::string reason = last_line(run.stderr_text);
  if (run.exit_code == 3) {
    result.why_not = reason.empty() ? "no GPU" : reason;
    return result;
  }
  if (run.exit_code != 0) {
    result.why_not =
        fmt::format("the GPU probe failed (exit status {}){}", run.exit_code, reason.empty() ? "" : ": " + reason);
    return result;
  }
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(out, ec))
    if (entry.is_regular_file()) result.files[entry.path().filename().string()] = read_text(entry.path());
  result.ran = true;
  return result;
}

}  // namespace clustersim::calibrate
