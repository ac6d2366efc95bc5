// SPDX-License-Identifier: Apache-2.0
// Dense throughput: cublasGemmEx in bf16 and fp16 (fp32 accumulation) at decode shapes (a few
// tokens times a hidden×hidden weight: bound by reading the weight) and prefill shapes (cubes:
// bound by the tensor cores). Laid out as a linear layer y = x·Wᵀ with row-major x [m][k] and
// W [n][k], which cuBLAS (column-major) sees as C = Wᵀ·x with op(A) = T.
#include <cublas_v2.h>

#include <algorithm>
#include <string>
#include <vector>

#include "kernels/cuda/cuda_resources.hpp"
#include "kernels/cuda/storage_values.hpp"
#include "programs/gpu_probe/probe_groups.hpp"

namespace clustersim::gpu_probe {

using kernels::cuda::DeviceBuffer;
using kernels::cuda::fill_device_random;
using kernels::cuda::GpuError;
using kernels::cuda::Stream;
namespace {

void check_cublas(cublasStatus_t status, const std::string& what) {
  if (status != CUBLAS_STATUS_SUCCESS) throw GpuError(what + ": " + cublasGetStatusString(status));
}

class CublasHandle {
 public:
  CublasHandle() { check_cublas(cublasCreate(&handle_), "cublasCreate"); }
  ~CublasHandle() { cublasDestroy(handle_); }
  CublasHandle(const CublasHandle&) = delete;
  CublasHandle& operator=(const CublasHandle&) = delete;
  cublasHandle_t get() const { return handle_; }

 private:
  cublasHandle_t handle_ = nullptr;
};

struct GemmShape {
  const char* kind;  // decode | prefill
  int m, n, k;       // tokens, output features, input features
  double flops() const { return 2.0 * m * n * k; }
  double bytes() const {
    return 2.0 * (static_cast<double>(n) * k + static_cast<double>(m) * k + static_cast<double>(m) * n);
  }
};

std::vector<GemmShape> shapes(bool quick) {
  std::vector<GemmShape> list;
  const std::vector<int> hiddens = quick ? std::vector<int>{4096} : std::vector<int>{4096, 8192};
  const std::vector<int> tokens = quick ? std::vector<int>{1, 16, 64} : std::vector<int>{1, 2, 4, 8, 16, 32, 64};
  for (int hidden : hiddens)
    for (int m : tokens) list.push_back({"decode", m, hidden, hidden});
  const std::vector<int> cubes = quick ? std::vector<int>{1024, 4096} : std::vector<int>{1024, 2048, 4096, 8192};
  for (int s : cubes) list.push_back({"prefill", s, s, s});
  return list;
}

}  // namespace

void probe_gemm(ProbeRun& run) {
  const std::vector<GemmShape> list = shapes(run.quick);
  std::size_t w_elems = 0, x_elems = 0, y_elems = 0;
  for (const GemmShape& g : list) {
    w_elems = std::max(w_elems, static_cast<std::size_t>(g.n) * g.k);
    x_elems = std::max(x_elems, static_cast<std::size_t>(g.m) * g.k);
    y_elems = std::max(y_elems, static_cast<std::size_t>(g.m) * g.n);
  }
  DeviceBuffer w(2 * w_elems), x(2 * x_elems), y(2 * y_elems);
  Stream stream;
  CublasHandle cublas;
  check_cublas(cublasSetStream(cublas.get(), stream.get()), "cublasSetStream");
  CsvTable table({"dtype", "kind", "m", "n", "k", "flops", "bytes", "reps", "median_us", "min_us", "max_us", "spread",
                  "TFLOPS", "GBps"});
  const int steps = static_cast<int>(2 * list.size());
  int step = 0;
  for (const auto type : {kernels::cuda::StorageType::bf16, kernels::cuda::StorageType::fp16}) {
    const char* dtype = type == kernels::cuda::StorageType::bf16 ? "bf16" : "fp16";
    const cudaDataType_t cuda_type = type == kernels::cuda::StorageType::bf16 ? CUDA_R_16BF : CUDA_R_16F;
    fill_device_random(w.get(), w_elems, type, 1);
    fill_device_random(x.get(), x_elems, type, 2);
    double best = 0, best_spread = 0;
    std::string best_shape;
    std::vector<std::pair<double, double>> tflops_by_flops;
    for (const GemmShape& g : list) {
      run.progress("gemm", ++step, steps,
                   std::string(dtype) + " " + g.kind + " " + std::to_string(g.m) + "x" + std::to_string(g.n) + "x" +
                       std::to_string(g.k));
      const float alpha = 1.0f, beta = 0.0f;
      const Timing t = time_on_stream(stream.get(), run.reps, [&](cudaStream_t) {
        check_cublas(cublasGemmEx(cublas.get(), CUBLAS_OP_T, CUBLAS_OP_N, g.n, g.m, g.k, &alpha, w.get(), cuda_type,
                                  g.k, x.get(), cuda_type, g.k, &beta, y.get(), cuda_type, g.n, CUBLAS_COMPUTE_32F,
                                  CUBLAS_GEMM_DEFAULT),
                     "cublasGemmEx");
      });
      const double tflops = g.flops() / (t.median_us * 1e6);
      table.add({dtype, g.kind, std::to_string(g.m), std::to_string(g.n), std::to_string(g.k), num(g.flops()),
                 num(g.bytes()), std::to_string(t.reps), num(t.median_us), num(t.min_us), num(t.max_us),
                 num(t.spread()), num(tflops), num(g.bytes() / (t.median_us * 1e3))});
      // Decode shapes are bound by reading the weight; only the cubes trace compute efficiency.
      if (std::string(g.kind) == "prefill") tflops_by_flops.emplace_back(g.flops(), tflops);
      if (tflops > best) {
        best = tflops;
        best_spread = t.spread();
        best_shape = std::to_string(g.m) + "x" + std::to_string(g.n) + "x" + std::to_string(g.k);
      }
    }
    std::sort(tflops_by_flops.begin(), tflops_by_flops.end());
    const double best_prefill =
        std::max_element(tflops_by_flops.begin(), tflops_by_flops.end(), [](const auto& a, const auto& b) {
          return a.second < b.second;
        })->second;
    for (auto& [flops, value] : tflops_by_flops) value /= best_prefill;
    const std::string prefix = std::string("dense_") + dtype;
    run.note(prefix + "_TFLOPS", num(best));
    run.note(prefix + "_spread", num(best_spread));
    run.note(prefix + "_shape", best_shape);
    run.note(prefix + "_compute_efficiency_curve", curve_text(tflops_by_flops));
  }
  run.write_csv("gemm.csv", table);
}

}  // namespace clustersim::gpu_probe
