// SPDX-License-Identifier: Apache-2.0
// The results schema: JSON round trip, CSV columns, atomic writing.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

#include "reports/table.hpp"
#include "schemas/results.hpp"
#include "support/scratch_dir.hpp"

using namespace clustersim;

namespace {

results::Results sample() {
  results::Results r{.tool_version = "test", .scenario = "s", .scenario_origin = "s.yaml"};
  results::CaseResult c{.index = 0,
                        .scenario = "s",
                        .topology = "dgx_h100_cluster:nodes=1",
                        .gpus = 8,
                        .strategy = "tree",
                        .context = 80000,
                        .batch = 1,
                        .heads = 16,
                        .kv_heads = 16,
                        .head_dim = 128,
                        .dtype = "bf16",
                        .device = "h100_sxm",
                        .device_provenance = "datasheet"};
  c.latency_s = 9.518e-05;
  c.compute_s = 0.1 / 3;  // not representable in decimal: the round trip must still be exact
  c.link_bytes_by_class = {{"nvlink", 12345.5}};
  c.peak_memory = {.kv_shard = 1, .receive_buffers = 2, .partials = 3, .query_output = 4};
  c.peak_mem_bytes = 10;
  c.collectives.push_back({"allreduce_max_lse", "allreduce", "ring", "LL", 8, 64, 1.5e-5});
  r.cases = {c, c};
  r.cases[1].index = 1;
  r.cases[1].strategy = "ring";
  return r;
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("reports: results round-trip through the JSON schema exactly", "[reports]") {
  const results::Results original = sample();
  const std::string text = results::to_json_text(original);
  const results::Results back = results::results_from_json_text(text);
  CHECK(results::to_json_text(back) == text);
  CHECK(back.cases[0].compute_s == original.cases[0].compute_s);
  CHECK(back.schema == "clustersim.results/1");
}

TEST_CASE("reports: a file of another schema is refused", "[reports][errors]") {
  CHECK_THROWS_WITH(results::results_from_json_text(R"({"schema": "other/2"})"), Catch::Contains("schema 'other/2'"));
}

TEST_CASE("reports: the CSV has the documented columns and one row per case", "[reports]") {
  const std::string csv = results::to_csv(sample());
  CHECK(csv.rfind("scenario,topology,gpus,strategy,context,batch,heads,kv_heads,head_dim,dtype,device,status,"
                  "latency_s,compute_s,comm_s,exposed_comm_s,idle_s,bytes_per_device,peak_mem_bytes",
                  0) == 0);
  CHECK(csv.find(",repetitions,latency_s_min,latency_s_max,output_max_relative_error,host_mem_bytes,"
                 "host_memory_capacity_bytes,throughput_tokens_per_s,largest_batch_that_fits,tokens_per_USD,"
                 "disk_bytes,disk_capacity_bytes\n") != std::string::npos);
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 3);
  CHECK(csv.find(",tree,80000,") != std::string::npos);
  CHECK(csv.find(",12345.5,") != std::string::npos);
}

TEST_CASE("reports: results are written as one run's files", "[reports]") {
  namespace fs = std::filesystem;
  clustersim::testing::ScratchDir scratch;
  const fs::path dir = fs::path(scratch.path()) / "run";
  results::write_results(sample(), clustersim::OutputDir::checked(dir, "--out"), {{"report.md", "# r"}});
  CHECK(results::results_from_json_text(read(dir / "results.json")).cases.size() == 2);
  CHECK(read(dir / "results.csv") == results::to_csv(sample()));
  CHECK(read(dir / "report.md") == "# r");
}

TEST_CASE("reports: a results file written before the live fields were added still reads", "[reports]") {
  nlohmann::json j = nlohmann::json::parse(results::to_json_text(sample()));
  for (auto& c : j["cases"])
    for (const char* added : {"repetitions", "latency_s_min", "latency_s_max", "output_max_relative_error",
                              "host_mem_bytes", "host_memory_capacity_bytes", "throughput_tokens_per_s",
                              "largest_batch_that_fits", "tokens_per_USD", "disk_bytes", "disk_capacity_bytes"}) {
      c.erase(added);
      c["peak_memory"].erase("host_kv");
      c["peak_memory"].erase("disk_kv");
    }
  const results::Results back = results::results_from_json_text(j.dump());
  CHECK(back.cases[0].repetitions == 0);
  CHECK(back.cases[0].latency_s == 9.518e-05);
}

TEST_CASE("reports: the table's header names the library whose model ran the collectives", "[reports]") {
  results::Results r = sample();
  CHECK_THAT(reports::format_table(r), Catch::Matchers::Contains("collectives: NCCL tuner model"));
  for (auto& c : r.cases) c.collectives[0].protocol = "none";  // library mpi runs have no protocol
  CHECK_THAT(reports::format_table(r), Catch::Matchers::Contains("collectives: Open MPI 4.1's decision"));
  for (auto& c : r.cases) c.collectives.clear();
  CHECK_THAT(reports::format_table(r), !Catch::Matchers::Contains("collectives:"));
}

TEST_CASE("reports: a case status is one of ok, oom and unsupported, in files and back", "[reports]") {
  nlohmann::json j = nlohmann::json::parse(results::to_json_text(sample()));
  CHECK(j["cases"][0]["status"] == "ok");
  j["cases"][0]["status"] = "unsupported";
  CHECK(results::results_from_json_text(j.dump()).cases[0].status == results::CaseStatus::unsupported);
  j["cases"][0]["status"] = "finished";
  CHECK_THROWS_WITH(results::results_from_json_text(j.dump()), Catch::Contains("unknown case status 'finished'"));
}

TEST_CASE("reports: an integer field holding a non-integer or an out-of-range number is refused", "[reports]") {
  // A float out of an int's range made nlohmann's conversion undefined (found by fuzz_results).
  const nlohmann::json j = nlohmann::json::parse(results::to_json_text(sample()));
  const auto with = [&](const std::string& pointer, const nlohmann::json& value) {
    nlohmann::json changed = j;
    changed[nlohmann::json::json_pointer(pointer)] = value;
    return changed.dump();
  };
  CHECK_THROWS_WITH(results::results_from_json_text(with("/cases/0/gpus", 3.3e58)),
                    Catch::Contains("cases[0]: gpus is 3.3e+58, expected an integer"));
  CHECK_THROWS_WITH(results::results_from_json_text(with("/cases/0/heads", 16.5)), Catch::Contains("heads is 16.5"));
  CHECK_THROWS_WITH(results::results_from_json_text(with("/cases/0/batch", 4294967297LL)),
                    Catch::Contains("batch is 4294967297"));
  CHECK_THROWS_WITH(results::results_from_json_text(with("/cases/0/context", 18446744073709551615ULL)),
                    Catch::Contains("context is 18446744073709551615"));
  CHECK_THROWS_WITH(results::results_from_json_text(with("/cases/0/collectives/0/ranks", -1e300)),
                    Catch::Contains("cases[0].collectives[0]: ranks is -1e+300"));
  CHECK(results::results_from_json_text(with("/cases/0/context", 5120000000LL)).cases[0].context == 5120000000);
}

TEST_CASE("reports: a results file's numbers and text are checked before anything is drawn from them",
          "[reports][errors]") {
  // report draws tables and figures from these files, and a hand-edited or hostile one reached the
  // terminal, CSV and HTML unchecked: negative or infinite times, contradictory live timings,
  // escape sequences in labels.
  const nlohmann::json j = nlohmann::json::parse(results::to_json_text(sample()));
  const auto with = [&](const std::string& pointer, const nlohmann::json& value) {
    nlohmann::json changed = j;
    changed[nlohmann::json::json_pointer(pointer)] = value;
    return changed.dump();
  };
  CHECK_NOTHROW(results::results_from_json_text(j.dump()));
  CHECK_THROWS_WITH(results::results_from_json_text(with("/cases/1/latency_s", -1e-3)),
                    Catch::Contains("cases[1].latency_s is -0.001, expected a finite number >= 0"));
  CHECK_THROWS_WITH(results::results_from_json_text(with("/cases/0/link_bytes_by_class/nvlink", -5.5)),
                    Catch::Contains("cases[0].link_bytes_by_class.nvlink is -5.5"));
  std::string overflow = j.dump();  // nlohmann refuses it rather than read infinity
  overflow.replace(overflow.find("\"idle_s\":0.0"), 12, "\"idle_s\":1e400");
  CHECK_THROWS_WITH(results::results_from_json_text(overflow), Catch::Contains("1e400"));
  CHECK_THROWS_WITH(results::results_from_json_text(with("/cases/0/strategy", "ring\x1b]0;pwned\x07")),
                    Catch::Contains("cases[0].strategy 'ring\\x1b]0;pwned\\x07' holds the control character ESC"));
  CHECK_THROWS_WITH(results::results_from_json_text(with("/scenario", "s\rX")),
                    Catch::Contains("scenario 's\\x0dX' holds the control character CR (0x0d)"));
  CHECK_THROWS_WITH(results::results_from_json_text(with("/cases/0/gpus", 0)),
                    Catch::Contains("cases[0] (0 GPUs, tree, context 80000): gpus is 0, expected at least 1"));
  CHECK_THROWS_WITH(results::results_from_json_text(with("/cases/0/latency_s", 0)),
                    Catch::Contains("status ok with a latency_s of 0"));
  nlohmann::json live = j;
  live["cases"][0]["repetitions"] = 5;
  live["cases"][0]["latency_s_min"] = 1e-4;  // above the median 9.518e-05
  live["cases"][0]["latency_s_max"] = 2e-4;
  CHECK_THROWS_WITH(results::results_from_json_text(live.dump()),
                    Catch::Contains("the median latency_s 9.518e-05 is not between latency_s_min 0.0001"));
}

TEST_CASE("reports: a result that is not a finite number is an error, not a null in results.json",
          "[reports][errors]") {
  results::Results r = sample();
  r.cases[1].comm_s = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(results::to_json_text(r),
                    Catch::Contains("cannot write results: cases[1].comm_s is inf, expected a finite number >= 0"));
  r.cases[1].comm_s = std::nan("");
  CHECK_THROWS_WITH(results::to_json_text(r), Catch::Contains("cases[1].comm_s is nan"));
}

TEST_CASE("reports: every CSV column is a field of the JSON cases too", "[reports]") {
  // A field added to the CSV but not to the JSON mapping would be lost on the way to `report`.
  const nlohmann::json c = nlohmann::json::parse(results::to_json_text(sample()))["cases"][0];
  for (const std::string& column : results::csv_columns()) {
    if (column.size() > 6 && column.compare(column.size() - 6, 6, "_bytes") == 0 && !c.contains(column)) {
      CHECK(c["link_bytes_by_class"].is_object());  // <class>_bytes: a key of link_bytes_by_class
      continue;
    }
    INFO(column);
    CHECK(c.contains(column));
  }
}
