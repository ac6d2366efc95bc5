// SPDX-License-Identifier: Apache-2.0
// clustersim_gpu_probe --out DIR [--quick]: the CUDA calibration group (README.md beside this
// file). Exit status: 0 every group ran; 1 some group failed (summary.txt says which, the others'
// figures are still there); 2 bad arguments; 3 no usable GPU (the message says why), which
// `clustersim calibrate` records as "cuda: skipped, <why>".
#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "kernels/cuda/cuda_resources.hpp"
#include "programs/gpu_probe/probe_groups.hpp"

using namespace clustersim::gpu_probe;
using clustersim::kernels::cuda::check_cuda;

namespace {

constexpr int kExitGroupFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitNoGpu = 3;

int usage(const char* why) {
  std::cerr << "clustersim_gpu_probe: " << why << "\nusage: clustersim_gpu_probe --out DIR [--quick]\n";
  return kExitUsage;
}

std::string version_text(int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); }

void note_environment(ProbeRun& run) {
  int driver = 0, runtime = 0, cublas = 0;
  cudaDriverGetVersion(&driver);
  cudaRuntimeGetVersion(&runtime);
  cublasGetProperty(MAJOR_VERSION, &cublas);
  int minor = 0;
  cublasGetProperty(MINOR_VERSION, &minor);
  run.note("gpu", run.device.name);
  run.note("gpus", std::to_string(run.device_count));
  run.note("compute_capability", std::to_string(run.device.major) + "." + std::to_string(run.device.minor));
  run.note("multiprocessors", std::to_string(run.device.multiProcessorCount));
  run.note("memory_bytes", std::to_string(run.device.totalGlobalMem));
  run.note("l2_bytes", std::to_string(run.device.l2CacheSize));
  run.note("cuda_driver", version_text(driver));
  run.note("cuda_runtime", version_text(runtime));
  run.note("cublas", std::to_string(cublas) + "." + std::to_string(minor));
  run.note("mode", run.quick ? "quick" : "full");
  run.note("repetitions", std::to_string(run.reps.warmup) + " warm-up, " + std::to_string(run.reps.timed) +
                              " timed, median; spread = (max-min)/median");
}

}  // namespace

int main(int argc, char** argv) {
  ProbeRun run;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      run.quick = true;
    } else if (arg == "--out" && i + 1 < argc) {
      run.out = argv[++i];
    } else if (arg == "--help" || arg == "-h") {
      usage("measures HBM, cuBLAS GEMM, decode attention, host/peer copies and NCCL");
      return 0;
    } else {
      return usage(("unknown or incomplete argument '" + arg + "'").c_str());
    }
  }
  if (run.out.empty()) return usage("--out DIR is required");

  const cudaError_t err = cudaGetDeviceCount(&run.device_count);
  if (err != cudaSuccess) {
    std::cerr << "clustersim_gpu_probe: no GPU: " << cudaGetErrorString(err) << '\n';
    return kExitNoGpu;
  }
  if (run.device_count == 0) {
    std::cerr << "clustersim_gpu_probe: no GPU: no CUDA device visible\n";
    return kExitNoGpu;
  }
  run.reps = run.quick ? Repetitions{.warmup = 2, .timed = 5} : Repetitions{.warmup = 5, .timed = 20};
  bool failed = false;
  try {
    std::filesystem::create_directories(run.out);
    check_cuda(cudaSetDevice(0), "cudaSetDevice");
    check_cuda(cudaGetDeviceProperties(&run.device, 0), "cudaGetDeviceProperties");
    note_environment(run);
    // The HBM group runs first: the decode kernel's efficiency is relative to its figure.
    const std::vector<std::pair<std::string, std::function<void(ProbeRun&)>>> groups = {
        {"hbm_copy", probe_hbm_copy},
        {"gemm", probe_gemm},
        {"decode_attention", probe_decode_attention},
        {"host_copy", probe_host_copy},
        {"kv_gather", probe_kv_gather},
        {"peer_copy", probe_peer_copy},
        {"nccl", probe_nccl}};
    for (const auto& [name, group] : groups) {
      try {
        check_cuda(cudaSetDevice(0), "cudaSetDevice");
        group(run);
        run.note(name + "_status", "ok");
      } catch (const std::exception& e) {
        failed = true;
        run.note(name + "_status", std::string("failed: ") + e.what());
        std::cerr << "[cuda] " << name << " failed: " << e.what() << '\n';
      }
    }
    std::string summary;
    for (const auto& [key, value] : run.summary) summary += key + "=" + value + "\n";
    write_file_atomically(run.out / "summary.txt", summary);
  } catch (const std::exception& e) {
    std::cerr << "clustersim_gpu_probe: " << e.what() << '\n';
    return kExitGroupFailed;
  }
  std::cerr << "[cuda] wrote " << (run.out / "summary.txt").string() << (failed ? " (some groups failed)" : "") << '\n';
  return failed ? kExitGroupFailed : 0;
}
