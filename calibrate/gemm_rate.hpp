// SPDX-License-Identifier: Apache-2.0
// Dense compute rate: single-precision GEMM through OpenBLAS on one thread (a live rank is one
// core), over square shapes (prefill-like) and skinny ones (a few rows against a large matrix,
// decode-like). The best rate is the profile's fp32 dense figure; each square shape's rate over
// the best, by its FLOP count, is the compute-efficiency curve.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "calibrate/benchmark_timer.hpp"
#include "calibrate/repeated.hpp"

namespace clustersim::calibrate {

struct GemmShape {
  int m = 0, n = 0, k = 0;  ///< C[m×n] = A[m×k] · B[k×n]
  double flops() const { return 2.0 * m * n * k; }
};

struct GemmPlan {
  std::vector<GemmShape> shapes;
  TimingPlan timing;
};

struct GemmRate {
  GemmShape shape;
  Repeated flops_per_s;
};

struct GemmResult {
  std::vector<GemmRate> rates;  ///< in plan order
  std::size_t best = 0;         ///< index of the highest median rate
  std::string csv;
};

GemmResult measure_gemm(const GemmPlan& plan, const std::function<void(const std::string&)>& progress);

/// The compute-efficiency curve's points, (FLOPs, median rate / best median rate), ascending,
/// from the square shapes only. A skinny shape reads a whole matrix for two FLOPs per element,
/// so memory bounds it and the roofline's memory term already models it; taken as compute
/// efficiency, it would make every memory-bound kernel of its FLOP count look compute-bound.
std::vector<std::pair<double, double>> compute_efficiency_points(const GemmResult& result);

}  // namespace clustersim::calibrate
