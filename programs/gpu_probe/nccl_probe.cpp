// SPDX-License-Identifier: Apache-2.0
// NCCL collectives in one process over all local GPUs (ncclCommInitAll): allreduce, allgather,
// reduce-scatter and send/recv (each rank to the next, from the previous), 8 B–1 GiB of floats.
// Sizes, algbw and busbw follow nccl-tests, so the output reads like theirs: size is the bytes of
// the largest buffer (allgather: the gathered result; reduce-scatter: the input), algbw = size/time,
// busbw = algbw · 2(p−1)/p (allreduce), (p−1)/p (allgather, reduce-scatter), 1 (send/recv).
// Each repetition is timed by events on every GPU's stream and takes the slowest GPU. With one
// GPU the collectives are local copies (busbw 0 for the reductions); they are recorded with p = 1.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "kernels/cuda/cuda_resources.hpp"
#include "programs/gpu_probe/probe_groups.hpp"

#if CLUSTERSIM_PROBE_HAVE_NCCL
#include <nccl.h>

#include "kernels/cuda/nccl_communicators.hpp"
#endif

namespace clustersim::gpu_probe {

using kernels::cuda::check_cuda;
using kernels::cuda::DeviceBuffer;
using kernels::cuda::Event;
using kernels::cuda::Stream;

#if CLUSTERSIM_PROBE_HAVE_NCCL
using kernels::cuda::check_nccl;
using kernels::cuda::Communicators;

namespace {

enum class Op { allreduce, allgather, reduce_scatter, sendrecv };

struct OpInfo {
  Op op;
  const char* name;
  double busbw_factor(int p) const {
    if (op == Op::allreduce) return 2.0 * (p - 1) / p;
    if (op == Op::sendrecv) return 1.0;
    return static_cast<double>(p - 1) / p;
  }
};

/// Per-GPU resources for the sweep: buffers big enough for every op at the largest size.
struct Rank {
  std::unique_ptr<DeviceBuffer> send, recv;
  std::unique_ptr<Stream> stream;
};

/// Enqueues `op` on every rank. `count` is nccl-tests' count: elements of the largest buffer.
void enqueue(const OpInfo& info, const Communicators& comms, const std::vector<Rank>& ranks, std::size_t count) {
  const int p = static_cast<int>(ranks.size());
  check_nccl(ncclGroupStart(), "ncclGroupStart");
  for (int r = 0; r < p; ++r) {
    const void* send = ranks[r].send->get();
    void* recv = ranks[r].recv->get();
    cudaStream_t s = ranks[r].stream->get();
    switch (info.op) {
      case Op::allreduce:
        check_nccl(ncclAllReduce(send, recv, count, ncclFloat, ncclSum, comms[r], s), "ncclAllReduce");
        break;
      case Op::allgather:
        check_nccl(ncclAllGather(send, recv, count / p, ncclFloat, comms[r], s), "ncclAllGather");
        break;
      case Op::reduce_scatter:
        check_nccl(ncclReduceScatter(send, recv, count / p, ncclFloat, ncclSum, comms[r], s), "ncclReduceScatter");
        break;
      case Op::sendrecv:
        check_nccl(ncclSend(send, count, ncclFloat, (r + 1) % p, comms[r], s), "ncclSend");
        check_nccl(ncclRecv(recv, count, ncclFloat, (r + p - 1) % p, comms[r], s), "ncclRecv");
        break;
    }
  }
  check_nccl(ncclGroupEnd(), "ncclGroupEnd");
}

/// Times `reps` runs of the op; each run's time is the slowest rank's event-to-event time.
Timing time_op(const OpInfo& info, const Communicators& comms, const std::vector<Rank>& ranks, std::size_t count,
               Repetitions reps) {
  const int p = static_cast<int>(ranks.size());
  for (int i = 0; i < reps.warmup; ++i) enqueue(info, comms, ranks, count);
  std::vector<std::vector<Event>> start(p), stop(p);
  for (int r = 0; r < p; ++r) {
    check_cuda(cudaSetDevice(r), "cudaSetDevice");
    start[r] = std::vector<Event>(reps.timed);
    stop[r] = std::vector<Event>(reps.timed);
  }
  for (int i = 0; i < reps.timed; ++i) {
    for (int r = 0; r < p; ++r) {
      check_cuda(cudaSetDevice(r), "cudaSetDevice");
      check_cuda(cudaEventRecord(start[r][i].get(), ranks[r].stream->get()), "cudaEventRecord");
    }
    enqueue(info, comms, ranks, count);
    for (int r = 0; r < p; ++r) {
      check_cuda(cudaSetDevice(r), "cudaSetDevice");
      check_cuda(cudaEventRecord(stop[r][i].get(), ranks[r].stream->get()), "cudaEventRecord");
    }
  }
  std::vector<double> us(reps.timed, 0.0);
  for (int r = 0; r < p; ++r) {
    check_cuda(cudaSetDevice(r), "cudaSetDevice");
    check_cuda(cudaStreamSynchronize(ranks[r].stream->get()), std::string(info.name));
    for (int i = 0; i < reps.timed; ++i) {
      float ms = 0;
      check_cuda(cudaEventElapsedTime(&ms, start[r][i].get(), stop[r][i].get()), "cudaEventElapsedTime");
      us[i] = std::max(us[i], 1e3 * ms);
    }
  }
  return summarize(std::move(us));
}

}  // namespace

void probe_nccl(ProbeRun& run) {
  const int p = run.device_count;
  int version = 0;
  check_nccl(ncclGetVersion(&version), "ncclGetVersion");
  run.note("nccl_version", std::to_string(version));
  run.note("nccl_gpus", std::to_string(p));
  if (p == 1) run.note("nccl_note", "p=1: one GPU, the collectives are local copies");
  const auto sizes = geometric_sizes(8, run.quick ? std::size_t{64} << 20 : std::size_t{1} << 30, run.quick ? 4 : 2);
  std::vector<Rank> ranks(p);
  for (int r = 0; r < p; ++r) {
    check_cuda(cudaSetDevice(r), "cudaSetDevice");
    ranks[r].send = std::make_unique<DeviceBuffer>(sizes.back());
    ranks[r].recv = std::make_unique<DeviceBuffer>(sizes.back());
    check_cuda(cudaMemset(ranks[r].send->get(), 0, sizes.back()), "nccl buffer fill");
    ranks[r].stream = std::make_unique<Stream>();
  }
  const Communicators comms(p);
  const std::vector<OpInfo> ops = {{Op::allreduce, "allreduce"},
                                   {Op::allgather, "allgather"},
                                   {Op::reduce_scatter, "reduce_scatter"},
                                   {Op::sendrecv, "sendrecv"}};
  CsvTable table({"op", "gpus", "size", "count", "type", "redop", "reps", "median_us", "min_us", "max_us", "spread",
                  "algbw_GBps", "busbw_GBps"});
  int step = 0;
  for (const OpInfo& info : ops) {
    run.progress("nccl", ++step, static_cast<int>(ops.size()),
                 std::string(info.name) + " on " + std::to_string(p) + " GPUs");
    std::printf("# nccl %s, %d GPU(s)\n#%12s %12s %6s %6s %11s %9s %9s\n", info.name, p, "size", "count", "type",
                "redop", "time(us)", "algbw", "busbw");
    const bool reduces = info.op == Op::allreduce || info.op == Op::reduce_scatter;
    double best_busbw = 0, small_us = 0;
    std::size_t previous = 0;
    for (const std::size_t requested : sizes) {
      // allgather and reduce-scatter split the buffer evenly over the ranks.
      const bool split = info.op == Op::allgather || info.op == Op::reduce_scatter;
      const std::size_t count = split ? requested / 4 / p * p : requested / 4;
      if (count == 0 || count == previous) continue;
      previous = count;
      const std::size_t size = 4 * count;
      const Timing t = time_op(info, comms, ranks, count, run.reps);
      const double algbw = static_cast<double>(size) / (t.median_us * 1e3);
      const double busbw = algbw * info.busbw_factor(p);
      std::printf(" %12zu %12zu %6s %6s %11.2f %9.2f %9.2f\n", size, count, "float", reduces ? "sum" : "none",
                  t.median_us, algbw, busbw);
      table.add({info.name, std::to_string(p), std::to_string(size), std::to_string(count), "float",
                 reduces ? "sum" : "none", std::to_string(t.reps), num(t.median_us), num(t.min_us), num(t.max_us),
                 num(t.spread()), num(algbw), num(busbw)});
      if (small_us == 0) small_us = t.median_us;
      best_busbw = std::max(best_busbw, busbw);
    }
    std::fflush(stdout);
    run.note(std::string("nccl_") + info.name + "_busbw_GBps", num(best_busbw));
    run.note(std::string("nccl_") + info.name + "_smallest_us", num(small_us));
    run.write_csv("nccl.csv", table);  // after every op: a later op's failure keeps the earlier sweeps
  }
  check_cuda(cudaSetDevice(0), "cudaSetDevice");
}

#else

void probe_nccl(ProbeRun& run) { run.note("nccl", "skipped: built without NCCL"); }

#endif

}  // namespace clustersim::gpu_probe
