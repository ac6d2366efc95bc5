// SPDX-License-Identifier: Apache-2.0
// Reading nccl-tests output: the variants of its format (with and without the version and program
// lines, checked or -c 0 runs, text around the table), and a clear error at the line for a log cut
// short or garbled. The logs here are written by clustersim itself or put together from the
// format's description, not copied from anyone's measurements.
#include <catch2/catch.hpp>

#include "common/input_error.hpp"
#include "pipelines/collective_sweep.hpp"
#include "reports/nccl_tests_table.hpp"
#include "schemas/nccl_tests_log.hpp"
#include "support/run_clustersim.hpp"
#include "support/scratch_dir.hpp"

using namespace clustersim;
using results::parse_nccl_tests_log;

namespace {

// The shape of nccl-tests' output with made-up numbers: an older version's header (no version
// and program lines), two devices, and #wrong counted.
const char* const kOlderLog =
    "# nThread 1 nGpus 2 minBytes 8 maxBytes 64 step: 2(factor) warmup iters: 5 iters: 20 validation: 1\n"
    "#\n"
    "# Using devices\n"
    "#  Rank  0 Group  0 Pid   4242 on host1 device  0 [0x01] Some GPU\n"
    "#  Rank  1 Group  0 Pid   4242 on host1 device  1 [0x02] Some GPU\n"
    "#\n"
    "#                                                       out-of-place                       in-place\n"
    "#       size         count      type   redop     time   algbw   busbw  error     time   algbw   busbw  error\n"
    "           8             2     float     sum      -1    10.00    0.00    0.00      0    11.00    0.00    0.00     "
    " 0\n"
    "          16             4     float     sum      -1    10.50    0.00    0.00      0    10.40    0.00    0.00     "
    " 0\n"
    "# Out of bounds values : 0 OK\n"
    "# Avg bus bandwidth    : 0.001 \n";

std::string message_of(const std::string& text) {
  try {
    parse_nccl_tests_log(text, "log.txt");
  } catch (const InputError& e) { return e.what(); }
  FAIL("no error for:\n" << text);
  return {};
}

}  // namespace

TEST_CASE("nccl-tests logs: rows, devices and version are read from the format's variants", "[collective]") {
  const results::NcclTestsLog older = parse_nccl_tests_log(kOlderLog, "log.txt");
  CHECK_FALSE(older.test);  // older versions do not name the program
  CHECK(older.version.empty());
  CHECK(older.devices == std::vector<std::string>{"Some GPU", "Some GPU"});
  REQUIRE(older.rows.size() == 2);
  CHECK(older.rows[0].line == 9);
  CHECK(older.rows[0].size_bytes == 8);
  CHECK(older.rows[0].count == 2);
  CHECK(older.rows[0].type == "float");
  CHECK(older.rows[0].time_s == Approx(10e-6));
  CHECK(older.rows[0].in_place_time_s == Approx(11e-6));

  // A newer header, -c 0 (#wrong N/A), CRLF line ends and prose around the table, as in a post.
  std::string newer =
      "Results:\r\n```\r\n# nccl-tests version 2.17.8 nccl-headers=22902 nccl-library=22902\r\n"
      "# Collective test starting: all_gather_perf\r\n";
  newer +=
      "    33554432        524288    double    none      -1   123.44  271.83  237.85     N/A   120.61  278.20  "
      "243.43     N/A\r\n```\r\nThat was fast.\r\n";
  const results::NcclTestsLog log = parse_nccl_tests_log(newer, "post.md");
  REQUIRE(log.test);
  CHECK(*log.test == results::CollectiveTest::all_gather);
  CHECK(log.version == "nccl-tests 2.17.8, nccl-library 22902");
  REQUIRE(log.rows.size() == 1);
  CHECK(log.rows[0].busbw_Bps == Approx(237.85e9));
  CHECK(log.rows[0].in_place_busbw_Bps == Approx(243.43e9));
}

TEST_CASE("nccl-tests logs: a log cut short or garbled is refused at its line", "[collective][errors]") {
  const std::string good = kOlderLog;
  const std::string cut = good.substr(0, good.find("10.50") + 5);  // the last row ends mid-way
  CHECK_THAT(message_of(cut), Catch::StartsWith("log.txt:10:1: error: a row of 6 columns: nccl-tests prints 13"));
  std::string garbled = good;
  garbled.replace(garbled.find("10.50"), 5, "1O.5O");
  CHECK_THAT(message_of(garbled),
             Catch::StartsWith("log.txt:10:") && Catch::Contains("the time column holds '1O.5O', not a number"));
  CHECK_THAT(message_of("# nThread 1\nno table here\n"), Catch::Contains("no nccl-tests table in this file"));
  CHECK_THAT(message_of(std::string(kOlderLog) + "          32             8     float     sum      -1  \x1b[2J\n"),
             Catch::Contains("control character ESC"));
  std::string program = good;
  program.insert(0, "# Collective test starting: alltoall_perf\n");
  CHECK_THAT(message_of(program), Catch::Contains("alltoall_perf is not a collective clustersim simulates"));
}

TEST_CASE("nccl-tests logs: clustersim's own table reads back, and validates against itself", "[collective]") {
  // The table `collective` prints is a log in nccl-tests' format: read back, every size matches,
  // and comparing it with the same simulation is exact up to the table's rounding.
  pipelines::CollectiveSweepRequest request;
  request.test = results::CollectiveTest::reduce_scatter;
  request.topology = "rtx4090_box:gpus=4";
  request.min_bytes = 1024;
  request.max_bytes = 64 << 20;
  request.factor = 8;
  const results::CollectiveSweep sweep = pipelines::run_collective_sweep(request);
  const results::NcclTestsLog log = parse_nccl_tests_log(reports::format_nccl_tests_table(sweep), "<own>");
  REQUIRE(log.test);
  CHECK(*log.test == results::CollectiveTest::reduce_scatter);
  REQUIRE(log.rows.size() == sweep.rows.size());
  for (std::size_t i = 0; i < log.rows.size(); ++i) {
    CHECK(log.rows[i].size_bytes == sweep.rows[i].counts.size_bytes());
    CHECK(log.rows[i].count == sweep.rows[i].counts.count);
  }
  request.ranks = 4;  // the table lists no devices
  const results::CollectiveComparison c = pipelines::compare_with_nccl_tests(log, request);
  CHECK(c.rows.size() == sweep.rows.size());
  CHECK(c.max_abs_time_error_percent() < 0.1);
  AND_THEN("another operation's counts are refused at the first row") {
    request.test = results::CollectiveTest::all_reduce;
    CHECK_THROWS_WITH(pipelines::compare_with_nccl_tests(log, request),
                      Catch::StartsWith("<own>:") && Catch::Contains("is it another operation or rank count?"));
  }
}

SCENARIO("clustersim validate --nccl-tests compares a log and writes the comparison", "[collective][cli]") {
  const testing::ScratchDir scratch;
  const std::string table = testing::run_clustersim(
                                "collective sendrecv --topology dgx_h100_cluster:nodes=2 -g 16 "
                                "-b 1K -e 1M -f 32 --quiet --out " +
                                scratch.path() + "/c")
                                .out;
  const std::string log = scratch.write("sendrecv.log", table);
  const std::string out = scratch.path() + "/v";
  const testing::Run run = testing::run_clustersim("validate --nccl-tests " + log +
                                                   " --topology dgx_h100_cluster:nodes=2 -g 16 --quiet "
                                                   "--out " +
                                                   out);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK_THAT(run.out, Catch::Contains("# 3 sizes; |error| of the time: median 0.0 %, max 0.0 %"));
  CHECK(testing::slurp(out + "/comparison.json").find("\"schema\": \"clustersim.collective_comparison/1\"") !=
        std::string::npos);
  const std::string report = testing::slurp(out + "/report.html");  // both figures drawn, inline
  CHECK_THAT(report, Catch::Contains("<figure id=\"busbw-vs-size\">") &&
                         Catch::Contains("<figure id=\"comparison-scatter\">") && Catch::Contains("<svg"));
  const testing::Run no_topology = testing::run_clustersim("validate --nccl-tests " + log);
  CHECK(no_topology.exit_code == 2);
  CHECK_THAT(no_topology.err, Catch::Contains("--nccl-tests needs --topology"));
}
