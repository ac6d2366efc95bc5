// SPDX-License-Identifier: Apache-2.0
// clustersim_live_gpu: one decode-attention step run for real on GPUs (README.md beside this
// file). The global KV cache is split into contiguous shards, one per GPU, as clustersim_live_cpu
// splits it; tree and ring run with NCCL (run_step.hpp). By default one process drives --gpus
// local GPUs; under mpirun with several ranks (when built with MPI) each rank drives one GPU.
// After warm-up, each timed step starts with every GPU idle and its L2 cache evicted and ends
// when the last GPU is done; then every GPU's output is checked against a double-precision
// reference over the whole cache, computed on the host from the same bf16/fp16-rounded values.
// The report is one JSON line on stdout (programs/rank_common/report_line.hpp).
//
// `--count-gpus` prints the number of usable GPUs and exits 0 (or 3, as below).
// Exit status: 0 the step ran and every output passed its check; 1 a CUDA, NCCL or MPI call
// failed during the run (the message names it); 2 bad arguments, or more GPUs asked for than this
// machine has; 3 no usable GPU (the message says why, e.g. "no GPU: CUDA driver version is
// insufficient for CUDA runtime version"); 4 an output failed its check against the reference.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/cpu/decode_attention.hpp"
#include "kernels/cuda/storage_values.hpp"
#include "programs/gpu_rank/device_step.hpp"
#include "programs/gpu_rank/job.hpp"
#include "programs/gpu_rank/run_step.hpp"
#include "programs/rank_common/rank_options.hpp"
#include "programs/rank_common/report_line.hpp"
#include "programs/rank_common/shard_split.hpp"

namespace {

namespace kc = clustersim::kernels::cuda;
namespace live = clustersim::live;
using clustersim::live::gpu::DeviceStep;
using clustersim::live::gpu::Job;

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitNoGpu = 3;
constexpr int kExitCheckFailed = 4;

// The reference sees the same rounded inputs, so this bounds only the GPU's fp32 arithmetic:
// the kernel's fast exponentials, its sums in another order, and for tree and ring the rescaling
// and merging of p partial states. That is about 1e-5 of the error measure (|a − b| / (|b| +
// 1e-3)), as the probe's kernel check states; 2e-3 leaves a hundredfold margin, yet a lost or
// doubled shard, a stale buffer or a wrong rescale moves outputs by far more (errors ≥ 1e-1 on
// these random inputs). Looser than the CPU program's 1e-4, which computes in fp32 throughout.
constexpr double kTolerance = 2e-3;

int error(int status, const std::string& message) {
  std::fprintf(stderr, "clustersim_live_gpu: %s%s\n", status == kExitNoGpu ? "" : "error: ", message.c_str());
  return status;
}

/// The number of usable GPUs, or −1 with `why` set.
int usable_gpus(std::string& why) {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    why = std::string("no GPU: ") + cudaGetErrorString(err);
    return -1;
  }
  if (count == 0) {
    why = "no GPU: no CUDA device visible";
    return -1;
  }
  return count;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// The worst relative error of any output against the reference (NaN when an output is NaN).
double check(const live::RankOptions& o, kc::StorageType type, const std::vector<std::vector<float>>& outputs) {
  clustersim::kernels::DecodeShape whole = o.shape;
  std::vector<float> k(whole.key_elements()), v(whole.key_elements()), q(whole.query_elements());
  clustersim::kernels::fill_kv_shard(whole, 0, o.seed, k.data(), v.data());
  clustersim::kernels::fill_uniform(q.data(), q.size(), o.seed, 1);
  kc::round_to_storage(k, type);
  kc::round_to_storage(v, type);
  kc::round_to_storage(q, type);
  const std::vector<float> reference =
      clustersim::kernels::reference_decode_attention(whole, q.data(), k.data(), v.data());
  double worst = 0;
  for (const std::vector<float>& out : outputs) {
    if (out.empty()) continue;  // a ring device that ends without an output (--output-one)
    const double err = clustersim::kernels::max_relative_error(out, reference);
    if (std::isnan(err)) return err;
    worst = std::max(worst, err);
  }
  return worst;
}

int run(Job& job, const live::RankOptions& o) {
  const kc::StorageType type = o.dtype == "fp16" ? kc::StorageType::fp16 : kc::StorageType::bf16;
  const int ranks = job.ranks();
  std::vector<std::vector<float>> outputs;
  std::vector<double> seconds;
  {
    const live::ShardSplit split = live::split_context(o.shape.tokens, ranks);
    const std::unique_ptr<kc::Communicators> comms = ranks > 1 ? job.communicators() : nullptr;
    std::vector<std::unique_ptr<DeviceStep>> devices;
    for (std::size_t i = 0; i < job.devices().size(); ++i)
      devices.push_back(std::make_unique<DeviceStep>(o, type, split, job.first_rank() + static_cast<int>(i), ranks,
                                                     job.devices()[i],
                                                     comms ? (*comms)[static_cast<int>(i)] : nullptr));
    for (int i = 0; i < o.warmup + o.reps; ++i) {
      for (auto& d : devices) d->evict_l2();
      for (auto& d : devices) d->synchronize();
      job.barrier();
      const auto start = std::chrono::steady_clock::now();
      clustersim::live::gpu::run_step(o, ranks, devices);
      for (auto& d : devices) d->synchronize();
      const double slowest = job.slowest(seconds_since(start));
      if (i >= o.warmup) seconds.push_back(slowest);
    }
    for (auto& d : devices) outputs.push_back(d->attends() ? d->download_output() : std::vector<float>{});
    if (o.corrupt_for_test && job.first_rank() + static_cast<int>(devices.size()) == ranks && !outputs.back().empty())
      outputs.back()[0] += 0.5f;  // the last GPU's output, so that tests see the check fail
  }  // the GPUs' buffers and communicators are freed here, before the host holds the whole cache
  outputs = job.gather(std::move(outputs));
  int status = 0;
  if (job.reports()) {
    const double err = check(o, type, outputs);
    std::printf("%s\n", live::format_report_line({.program = "clustersim_live_gpu",
                                                  .strategy = live::to_string(o.step),
                                                  .ranks = ranks,
                                                  .context = static_cast<long long>(o.shape.tokens),
                                                  .dtype = o.dtype,
                                                  .warmup = o.warmup,
                                                  .max_relative_error = err,
                                                  .tolerance = kTolerance,
                                                  .rep_seconds = seconds})
                            .c_str());
    std::fflush(stdout);
    if (!(err <= kTolerance)) {
      char text[320];
      std::snprintf(text, sizeof text,
                    "output check failed: %s on %d GPUs, context %lld, %s: max relative error %.3g against the "
                    "double-precision reference exceeds the tolerance %g",
                    live::to_string(o.step), ranks, static_cast<long long>(o.shape.tokens), o.dtype.c_str(), err,
                    kTolerance);
      status = error(kExitCheckFailed, text);
    }
  }
  return job.agree(status);
}

}  // namespace

int main(int argc, char** argv) {
  live::RankOptions o;
  try {
    o = live::parse_rank_options(argc, argv, live::RankBackend::gpu);
  } catch (const std::invalid_argument& e) { return error(kExitUsage, e.what()); }
  std::string why;
  const int gpus = usable_gpus(why);
  if (gpus < 0) return error(kExitNoGpu, why);
  if (o.count_gpus) {
    std::printf("%d\n", gpus);
    return 0;
  }
  std::unique_ptr<Job> job;
  try {
#if CLUSTERSIM_LIVE_GPU_HAVE_MPI
    if (clustersim::live::gpu::launched_as_mpi_ranks()) {
      if (o.gpus != 1)
        return error(kExitUsage, "--gpus is for one process driving several GPUs; under mpirun each rank drives one");
      job = clustersim::live::gpu::mpi_job(&argc, &argv, gpus);
    }
#endif
    if (!job) {
      if (o.gpus > gpus)
        return error(kExitUsage,
                     "asked for " + std::to_string(o.gpus) + " GPUs, this machine has " + std::to_string(gpus));
      job = clustersim::live::gpu::single_process_job(o.gpus);
    }
    if (o.step == live::RankStep::single && job->ranks() != 1)
      return error(kExitUsage, "strategy single runs on one GPU, got " + std::to_string(job->ranks()));
    if (o.shape.tokens < job->ranks())
      return error(kExitUsage, "a context of " + std::to_string(o.shape.tokens) + " tokens cannot be split over " +
                                   std::to_string(job->ranks()) + " GPUs");
    return run(*job, o);
  } catch (const std::invalid_argument& e) { return error(kExitUsage, e.what()); } catch (const std::exception& e) {
    error(kExitFailed, e.what());
    return job ? job->fail(kExitFailed) : kExitFailed;
  }
}
