// SPDX-License-Identifier: Apache-2.0
#include "calibrate/gemm_rate.hpp"

#include <cblas.h>

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "kernels/cpu/decode_attention.hpp"

namespace clustersim::calibrate {

GemmResult measure_gemm(const GemmPlan& plan, const std::function<void(const std::string&)>& progress) {
  openblas_set_num_threads(1);
  GemmResult result;
  result.csv = "m,n,k,flops,repetition,seconds,GFLOPS\n";
  for (std::size_t i = 0; i < plan.shapes.size(); ++i) {
    const GemmShape& s = plan.shapes[i];
    progress(fmt::format("sgemm {}x{}x{} ({}/{})", s.m, s.n, s.k, i + 1, plan.shapes.size()));
    std::vector<float> a(static_cast<std::size_t>(s.m) * s.k), b(static_cast<std::size_t>(s.k) * s.n),
        c(static_cast<std::size_t>(s.m) * s.n);
    kernels::fill_uniform(a.data(), a.size(), 1);
    kernels::fill_uniform(b.data(), b.size(), 2);
    const Repeated seconds = time_per_call(
        fmt::format("gemm/{}x{}x{}", s.m, s.n, s.k),
        [&] {
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s.m, s.n, s.k, 1.0f, a.data(), s.k, b.data(), s.n,
                      0.0f, c.data(), s.n);
        },
        plan.timing);
    for (std::size_t r = 0; r < seconds.values.size(); ++r)
      result.csv += fmt::format("{},{},{},{},{},{:.6e},{:.3f}\n", s.m, s.n, s.k, s.flops(), r, seconds.values[r],
                                s.flops() / seconds.values[r] / 1e9);
    result.rates.push_back({s, seconds.map([&](double t) { return s.flops() / t; })});
    if (result.rates.back().flops_per_s.median() > result.rates[result.best].flops_per_s.median())
      result.best = result.rates.size() - 1;
  }
  return result;
}

std::vector<std::pair<double, double>> compute_efficiency_points(const GemmResult& result) {
  std::vector<std::pair<double, double>> points;
  if (result.rates.empty()) return points;
  const double best = result.rates[result.best].flops_per_s.median();
  for (const GemmRate& rate : result.rates)
    if (rate.shape.m == rate.shape.n && rate.shape.n == rate.shape.k)
      points.emplace_back(rate.shape.flops(), std::min(1.0, rate.flops_per_s.median() / best));
  std::sort(points.begin(), points.end());
  return points;
}

}  // namespace clustersim::calibrate
