// SPDX-License-Identifier: Apache-2.0
// Reading the MPI probe's output: a sweep made from known α and B comes back as those figures,
// the largest message gives the plateau rates one way and exchanged, allreduce bus bandwidth uses
// 2(n−1)/n, and mpirun's own lines are ignored.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "calibrate/mpi_sweeps.hpp"

using namespace clustersim::calibrate;

TEST_CASE("the ping-pong sweep's fit recovers the link's latency and bandwidth", "[calibrate]") {
  const double alpha = 0.8e-6, bandwidth = 5e9;
  std::string out = "library,Open MPI v4.1.4\n[host:123] some mpirun warning\n";
  for (double bytes = 8; bytes <= (4 << 20); bytes *= 4)
    for (int r = 0; r < 3; ++r) {
      const double noise = 1 + 0.01 * (r - 1);  // repetitions 1 % apart
      out += fmt::format("pingpong,{},{},100,{:.9e}\n", bytes, r, (alpha + bytes / bandwidth) * noise);
      // Both ways at once, each direction at 70 % of the one-way rate.
      out += fmt::format("exchange,{},{},100,{:.9e}\n", bytes, r, (alpha + bytes / (0.7 * bandwidth)) * noise);
      out += fmt::format("allreduce,{},{},100,{:.9e}\n", bytes, r, 2 * (alpha + bytes / bandwidth));
    }
  const MpiSweepResult r = parse_mpi_probe_output(out, 4);
  CHECK(r.library == "Open MPI v4.1.4");
  CHECK(r.fit.latency_s == Approx(alpha).epsilon(0.01));
  CHECK(r.fit.bandwidth_Bps == Approx(bandwidth).epsilon(0.01));
  CHECK(r.latency_s.values.size() == 3);
  CHECK(r.latency_s.spread() == Approx(0.02).epsilon(0.05));  // 1 ± 1 %
  // The largest message's rates, one way and per direction exchanged: S / (t − α).
  CHECK(one_way_plateau_Bps(r).median() == Approx(bandwidth).epsilon(0.01));
  CHECK(exchange_plateau_Bps(r).median() == Approx(0.7 * bandwidth).epsilon(0.01));
  CHECK(r.exchange_csv.find("2097152,2,100,") != std::string::npos);
  // 2 MiB allreduce on 4 ranks: busbw = algbw x 1.5.
  const double seconds = 2 * (alpha + 2097152 / bandwidth);
  const double algbw = 2097152 / seconds / 1e9;
  INFO(r.allreduce_csv);
  CHECK(r.allreduce_csv.find(fmt::format("2097152,524288,float,4,0,100,{:.6e},{:.4f},{:.4f}", seconds, algbw,
                                         algbw * 1.5)) != std::string::npos);
}

TEST_CASE("probe output without a sweep is an error quoting it", "[calibrate]") {
  CHECK_THROWS_WITH(parse_mpi_probe_output("library,Open MPI\n", 2), Catch::Contains("fewer than two"));
}

TEST_CASE("a message each way at once costs the exchange's extra time at the smallest size", "[calibrate]") {
  // One way 13 us at 8 B, exchanged 24 us (as over TCP between emulated nodes): 11 us more, per
  // repetition; a repetition where noise makes the exchange quicker counts as 0.
  std::string out;
  const double one_way[] = {13e-6, 13e-6, 13e-6}, exchanged[] = {24e-6, 25e-6, 12e-6};
  for (int r = 0; r < 3; ++r)
    for (double bytes : {8.0, 1e6}) {
      out += fmt::format("pingpong,{},{},100,{:.9e}\n", bytes, r, one_way[r] + bytes / 1e9);
      out += fmt::format("exchange,{},{},100,{:.9e}\n", bytes, r, exchanged[r] + bytes / 1e9);
    }
  const Repeated extra = exchange_extra_latency_s(parse_mpi_probe_output(out, 2));
  REQUIRE(extra.values.size() == 3);
  CHECK(extra.values[0] == Approx(11e-6));
  CHECK(extra.values[1] == Approx(12e-6));
  CHECK(extra.values[2] == 0);
  CHECK(extra.median() == Approx(11e-6));
  // Without exchanges (an older probe): nothing measured.
  CHECK(exchange_extra_latency_s(parse_mpi_probe_output("pingpong,8,0,1,1e-6\npingpong,16,0,1,2e-6\n", 2))
            .values.empty());
}
