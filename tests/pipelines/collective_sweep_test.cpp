// SPDX-License-Identifier: Apache-2.0
// clustersim collective: the element counts and bus bandwidths follow nccl-tests' definitions, the
// sizes its -b/-e/-f sweep, the table its layout, and the simulated bandwidths the physics the bus
// factor stands for (a ring allreduce is a reduce-scatter then an allgather).
#include <catch2/catch.hpp>

#include <sstream>

#include <nlohmann/json.hpp>

#include "pipelines/collective_sweep.hpp"
#include "reports/nccl_tests_table.hpp"
#include "support/run_clustersim.hpp"
#include "support/scratch_dir.hpp"

using namespace clustersim;
using results::CollectiveTest;

TEST_CASE("collective: counts and bus factors are nccl-tests' for every operation", "[collective]") {
  // 32 MiB of doubles on 8 ranks, as nccl-tests' all_gather_perf prints it: size 33554432, count
  // 524288 (each rank's slice); all_reduce_perf's count is the whole buffer's.
  const std::int64_t size = 32 << 20;
  const auto gather = results::size_counts(CollectiveTest::all_gather, size, 8, 8);
  CHECK(gather.size_bytes() == size);
  CHECK(gather.count == 524288);
  CHECK(gather.send_bytes == size / 8);
  const auto scatter = results::size_counts(CollectiveTest::reduce_scatter, size, 8, 8);
  CHECK(scatter.size_bytes() == size);
  CHECK(scatter.recv_bytes == size / 8);
  CHECK(results::size_counts(CollectiveTest::all_reduce, size, 4, 8).count == size / 4);
  // Whole elements per rank: 100 floats on 8 ranks leave 12 each, 96 in all.
  CHECK(results::size_counts(CollectiveTest::all_gather, 400, 4, 8).size_bytes() == 384);
  CHECK(results::size_counts(CollectiveTest::all_gather, 8, 8, 8).count == 0);

  CHECK(results::bus_factor(CollectiveTest::all_reduce, 8) == Approx(2.0 * 7 / 8));
  CHECK(results::bus_factor(CollectiveTest::all_gather, 8) == Approx(7.0 / 8));
  CHECK(results::bus_factor(CollectiveTest::reduce_scatter, 4) == Approx(3.0 / 4));
  for (const CollectiveTest t : {CollectiveTest::broadcast, CollectiveTest::reduce, CollectiveTest::sendrecv})
    CHECK(results::bus_factor(t, 8) == 1);
  CHECK(results::algorithm_bandwidth(gather, 1e-3) == Approx(size / 1e-3));
}

TEST_CASE("collective: sizes run from -b to -e by -f as nccl-tests steps them", "[collective]") {
  CHECK(pipelines::sweep_sizes(8, 128 << 20, 2).size() == 25);
  CHECK(pipelines::sweep_sizes(3, 10, 2) == std::vector<std::int64_t>{3, 6});
  CHECK(pipelines::sweep_sizes(1 << 20, 1 << 20, 4) == std::vector<std::int64_t>{1 << 20});
  CHECK(pipelines::sweep_sizes(1, std::int64_t{1} << 62, 1 << 20).back() == std::int64_t{1} << 60);
  CHECK_THROWS_WITH(pipelines::sweep_sizes(0, 8, 2), Catch::Contains("at least 1"));
  CHECK_THROWS_WITH(pipelines::sweep_sizes(16, 8, 2), Catch::Contains("at most the maximum"));
  CHECK_THROWS_WITH(pipelines::sweep_sizes(8, 16, 1), Catch::Contains("at least 2"));
}

TEST_CASE("collective: ring allreduce, allgather and reduce-scatter reach the same bus bandwidth",
          "[collective][physics]") {
  // A ring allreduce is a reduce-scatter followed by an allgather, each moving (n-1)/n of the
  // buffer over every rank's link: at a size where bandwidth dominates, their bus bandwidths agree
  // and none exceeds what one GPU injects (450 GB/s of NVLink on a DGX H100).
  pipelines::CollectiveSweepRequest request;
  request.topology = "dgx_h100_cluster";
  request.min_bytes = request.max_bytes = std::int64_t{1} << 30;
  request.settings = {.algorithm = sim::Algorithm::ring, .protocol = sim::Protocol::simple};
  std::map<CollectiveTest, double> busbw;
  for (const CollectiveTest t :
       {CollectiveTest::all_reduce, CollectiveTest::all_gather, CollectiveTest::reduce_scatter}) {
    request.test = t;
    const results::CollectiveSweep sweep = pipelines::run_collective_sweep(request);
    REQUIRE(sweep.rows.size() == 1);
    CHECK(sweep.ranks == 8);
    CHECK(sweep.rows[0].algorithm == "ring");
    busbw[t] = sweep.rows[0].busbw_Bps;
    CHECK(busbw[t] <= 450e9);
    CHECK(busbw[t] > 0.5 * 450e9);
  }
  CHECK(busbw[CollectiveTest::all_gather] == Approx(busbw[CollectiveTest::all_reduce]).epsilon(0.03));
  CHECK(busbw[CollectiveTest::reduce_scatter] == Approx(busbw[CollectiveTest::all_reduce]).epsilon(0.03));
}

TEST_CASE("collective: the table has nccl-tests' columns, widths and footer", "[collective]") {
  results::CollectiveSweep sweep{.test = CollectiveTest::all_gather,
                                 .topology = "t",
                                 .ranks = 8,
                                 .data_type = "double",
                                 .reduction = "none",
                                 .library = "nccl"};
  results::CollectiveRow row{.counts = results::size_counts(CollectiveTest::all_gather, 32 << 20, 8, 8),
                             .time_s = 123.44e-6,
                             .algorithm = "ring",
                             .protocol = "Simple"};
  row.algbw_Bps = results::algorithm_bandwidth(row.counts, row.time_s);
  row.busbw_Bps = row.algbw_Bps * results::bus_factor(sweep.test, 8);
  sweep.rows = {row};
  const std::string table = reports::format_nccl_tests_table(sweep);
  INFO(table);
  CHECK_THAT(table, Catch::Contains("\n#       size         count      type   redop    root     time   algbw   busbw  "
                                    "#wrong     time   algbw   busbw  #wrong\n"));
  CHECK_THAT(table, Catch::Contains("\n    33554432        524288    double    none      -1   123.44  271.83  237.85"
                                    "     N/A   123.44  271.83  237.85     N/A\n"));
  CHECK_THAT(table, Catch::Contains("\n# Avg bus bandwidth    : 237.849 \n"));
  CHECK_THAT(table, Catch::Contains("# 32 MiB to 32 MiB: ring/Simple\n"));
}

SCENARIO("clustersim collective prints the table and writes its files; bad options exit 2", "[collective][cli]") {
  const testing::ScratchDir scratch;
  const std::string out = scratch.path() + "/c";
  const testing::Run run = testing::run_clustersim(
      "collective all_reduce --topology rtx4090_box:gpus=4 -b 1M -e 4M "
      "--quiet --out " +
      out);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  std::istringstream lines(run.out);
  int rows = 0;
  for (std::string line; std::getline(lines, line);)
    if (!line.empty() && line[0] != '#') ++rows;
  CHECK(rows == 3);  // 1, 2 and 4 MiB
  const auto json = nlohmann::json::parse(testing::slurp(out + "/collective.json"));
  CHECK(json["schema"] == "clustersim.collective/1");
  CHECK(json["ranks"] == 4);
  CHECK(json["rows"].size() == 3);
  CHECK(testing::slurp(out + "/collective.csv").find("operation,topology,ranks,") == 0);
  CHECK(testing::run_clustersim("collective all_reduce -b 8X").exit_code == 2);
  const testing::Run too_many = testing::run_clustersim("collective all_reduce --topology rtx4090_box:gpus=2 -g 4");
  CHECK(too_many.exit_code == 2);
  CHECK_THAT(too_many.err, Catch::Contains("4 ranks asked for, but rtx4090_box:gpus=2 has 2 devices"));
}
