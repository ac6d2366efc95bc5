// SPDX-License-Identifier: Apache-2.0
// The compute-efficiency curve comes from the shapes that compute bounds, not those memory does.
#include <catch2/catch.hpp>

#include "calibrate/gemm_rate.hpp"

using namespace clustersim::calibrate;

TEST_CASE("calibrate: the compute-efficiency curve leaves out the skinny, memory-bound sgemm shapes",
          "[calibrate][physics]") {
  // A 1 x 2048 x 2048 sgemm reads 16.8 MB for 8.4 MFLOP: at 15 GB/s it takes 1.1 ms, 7 GFLOPS.
  GemmResult r;
  r.rates = {{{512, 512, 512}, Repeated{{100e9, 101e9, 99e9}}},
             {{128, 128, 128}, Repeated{{90e9}}},
             {{1, 2048, 2048}, Repeated{{7e9}}},
             {{16, 2048, 2048}, Repeated{{70e9}}}};
  r.best = 0;
  const auto points = compute_efficiency_points(r);
  REQUIRE(points.size() == 2);
  CHECK(points[0].first == 2.0 * 128 * 128 * 128);
  CHECK(points[0].second == Approx(0.9));
  CHECK(points[1].first == 2.0 * 512 * 512 * 512);
  CHECK(points[1].second == 1);
  CHECK(compute_efficiency_points(GemmResult{}).empty());
}
