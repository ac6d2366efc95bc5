// SPDX-License-Identifier: Apache-2.0
// Tests of scenario parsing: the shipped scenarios expand to the sweeps their headers promise,
// in the documented order (topology parameters, gpus, workload keys in file order, strategies
// innermost), and every kind of bad input is an InputError that names file:line:column.
#include <catch2/catch.hpp>

#include "support/input_file_errors.hpp"
#include "support/scratch_dir.hpp"

#include <filesystem>
#include <fstream>
#include <string>

#include "common/data_path.hpp"
#include "common/input_error.hpp"
#include "scenarios/scenario.hpp"

namespace {

using clustersim::testing::replaced;

using clustersim::InputError;
using clustersim::scenarios::load_scenario;
using clustersim::scenarios::parse_scenario;
using clustersim::scenarios::Scenario;

// A scenario file in a fresh temporary directory, removed again at the end of the test.
struct TempScenario : clustersim::testing::TempFile {
  explicit TempScenario(const std::string& text) : TempFile("scenario.yaml", text) {}
};

// The message of the InputError loading `text` from a file raises, with the file's path
std::string error_of(const std::string& text) {
  return clustersim::testing::load_error("scenario.yaml", text, [](const std::string& path) { load_scenario(path); });
}

// A valid scenario with one line replaced: `{{WORKLOAD}}` and friends are filled in per test.
const std::string kValid = R"(name: test
topology:
  generator: dgx_h100_cluster
  nodes: 1
device: h100_sxm
workload:
  heads: 16
  head_dim: 128
  context: 80k
strategies: [tree, ring]
)";

Scenario shipped(const std::string& name) {
  return load_scenario((clustersim::data_root() / "scenarios" / (name + ".yaml")).string());
}

}  // namespace

TEST_CASE("scenarios: each shipped scenario loads and expands to its promised number of cases", "[scenarios]") {
  // System: the three shipped scenarios. Expectations: dgx 3 node counts x 7 contexts x 3
  // strategies = 63; mi300x 7 contexts x 2 = 14; rtx4090 3 box sizes x 4 contexts x 2 = 24.
  const auto [name, count, first_spec] =
      GENERATE(table<std::string, std::size_t, std::string>({{"dgx_h100_tree_vs_ring", 63, "dgx_h100_cluster:nodes=1"},
                                                             {"mi300x_tree_vs_ring", 14, "mi300x_node:nodes=1"},
                                                             {"rtx4090_tree_vs_ring", 24, "rtx4090_box:gpus=2"}}));
  const Scenario s = shipped(name);
  CHECK(s.name == name);
  CHECK_FALSE(s.description.empty());
  REQUIRE(s.cases.size() == count);
  CHECK(s.cases.front().topology.spec() == first_spec);
  for (std::size_t i = 0; i < s.cases.size(); ++i) {
    CHECK(s.cases[i].index == static_cast<int>(i));
    CHECK(s.cases[i].shape.heads == 16);
    CHECK(s.cases[i].shape.head_dim == 128);
    CHECK(s.cases[i].shape.batch == 1);
    CHECK(s.cases[i].shape.dtype == clustersim::model::DType::bf16);
  }
}

TEST_CASE("scenarios: cases sweep topology outermost, then workload keys, strategies innermost", "[scenarios]") {
  // System: dgx_h100_tree_vs_ring (nodes [1, 8, 16], 7 contexts, 3 strategies).
  // Expectations: strategy changes fastest, then context, then node count.
  const Scenario s = shipped("dgx_h100_tree_vs_ring");
  CHECK(s.cases[0].strategy.name == "tree");
  CHECK(s.cases[1].strategy.name == "tree_topology_aware");
  CHECK(s.cases[2].strategy.name == "ring");
  CHECK(s.cases[0].shape.context == 80'000);
  CHECK(s.cases[3].shape.context == 160'000);
  CHECK(s.cases[20].shape.context == 5'120'000);
  CHECK(s.cases[20].topology.spec() == "dgx_h100_cluster:nodes=1");
  CHECK(s.cases[21].topology.spec() == "dgx_h100_cluster:nodes=8");
  CHECK(s.cases[21].shape.context == 80'000);
  CHECK(s.cases[62].topology.spec() == "dgx_h100_cluster:nodes=16");
  CHECK(s.cases[62].strategy.name == "ring");
  CHECK(s.cases[0].gpus == 0);
  CHECK(s.cases[0].device == "h100_sxm");
}

TEST_CASE("scenarios: workload keys sweep in file order, after gpus", "[scenarios]") {
  // context is written before heads, so it is the outer of the two; gpus sits outside both.
  const Scenario s = parse_scenario(R"(name: order
topology: {generator: g, a: [1, 2]}
device: h100_sxm
gpus: [2, all]
workload:
  context: [1k, 2k]
  heads: [8, 16]
  kv_heads: 8
strategies: [ring]
)",
                                    "<test>");
  REQUIRE(s.cases.size() == 16);
  CHECK(s.cases[0].topology.spec() == "g:a=1");
  CHECK(s.cases[0].gpus == 2);
  CHECK(s.cases[0].shape.context == 1000);
  CHECK(s.cases[0].shape.heads == 8);
  CHECK(s.cases[1].shape.heads == 16);
  CHECK(s.cases[2].shape.context == 2000);
  CHECK(s.cases[4].gpus == 0);
  CHECK(s.cases[8].topology.spec() == "g:a=2");
  CHECK(s.cases[15].shape.kv_heads == 8);
}

TEST_CASE("scenarios: parsing is deterministic and the default scenario parses", "[scenarios]") {
  const std::string& text = clustersim::scenarios::default_scenario_yaml();
  const Scenario a = parse_scenario(text, "<embedded default>");
  const Scenario b = parse_scenario(text, "<embedded default>");
  CHECK(a.name == "default");
  CHECK(a.origin == "<embedded default>");
  REQUIRE(a.cases.size() == 8);  // 4 contexts x 2 strategies
  for (std::size_t i = 0; i < a.cases.size(); ++i) {
    CHECK(a.cases[i].shape.context == b.cases[i].shape.context);
    CHECK(a.cases[i].strategy.label() == b.cases[i].strategy.label());
    CHECK(a.cases[i].topology.spec() == "dgx_h100_cluster:nodes=1");
  }
  CHECK(a.cases[6].shape.context == 5'120'000);
  CHECK(a.cases[7].strategy.name == "ring");
}

TEST_CASE("scenarios: token counts take k and M suffixes and must be whole", "[scenarios]") {
  const auto [text, tokens] = GENERATE(table<std::string, std::int64_t>({{"80000", 80'000},
                                                                         {"80k", 80'000},
                                                                         {"1M", 1'000'000},
                                                                         {"1.28M", 1'280'000},
                                                                         {"5.12M", 5'120'000},
                                                                         {"2.5k", 2'500}}));
  const Scenario s = parse_scenario(replaced(kValid, "context: 80k", "context: " + text), "<test>");
  CHECK(s.cases[0].shape.context == tokens);
}

TEST_CASE("scenarios: token counts that are not whole or not numbers are rejected", "[scenarios][errors]") {
  const std::string text = GENERATE("1.0005k", "80.5", "80K", "1e6", "80 k", "k");
  CHECK_THAT(error_of(replaced(kValid, "context: 80k", "context: " + text)),
             Catch::Matchers::Contains("expected a positive integer, got '" + text + "' in 'workload.context'"));
}

TEST_CASE("scenarios: strategy options and collective settings are read", "[scenarios]") {
  const Scenario s =
      parse_scenario(replaced(kValid, "strategies: [tree, ring]",
                              "strategies:\n  - {name: tree, fuse_sums: true}\n  - {name: ring, output: one}\n"
                              "collectives:\n  algorithm: ring\n  protocol: ll128\n"),
                     "<test>");
  REQUIRE(s.cases.size() == 2);
  CHECK(s.cases[0].strategy.flag("fuse_sums"));
  CHECK(s.cases[1].strategy.name == "ring");
  CHECK(s.cases[1].strategy.option("output") == "one");
  CHECK(s.cases[1].collectives.algorithm == clustersim::sim::Algorithm::ring);
  CHECK(s.cases[1].collectives.protocol == clustersim::sim::Protocol::ll128);
  CHECK(s.cases[0].shape.kv_heads == 16);  // defaults to heads
}

TEST_CASE("scenarios: collectives.library is nccl by default, mpi takes no NCCL algorithm or protocol", "[scenarios]") {
  using clustersim::sim::Library;
  CHECK(parse_scenario(kValid, "<test>").cases[0].collectives.library == Library::nccl);
  const std::string mpi =
      replaced(kValid, "strategies: [tree, ring]", "strategies: [tree, ring]\ncollectives: {library: mpi}\n");
  CHECK(parse_scenario(mpi, "<test>").cases[0].collectives.library == Library::mpi);
  CHECK_THAT(error_of(replaced(mpi, "library: mpi", "library: mpi, protocol: LL")),
             Catch::Matchers::Contains("'collectives.protocol' applies to library nccl, not mpi"));
  CHECK_THAT(error_of(replaced(mpi, "library: mpi", "library: mpich")),
             Catch::Matchers::Contains("mpich") && Catch::Matchers::Contains("nccl, mpi"));
}

SCENARIO("a scenario with an unknown key is rejected", "[scenarios][errors]") {
  GIVEN("a file whose 10th line misspells 'strategies'") {
    const std::string text = replaced(kValid, "strategies:", "strategys:");
    WHEN("it is loaded") {
      const std::string message = error_of(text);
      THEN("the message names file:line:column and suggests 'strategies'") {
        CHECK_THAT(message, Catch::Matchers::StartsWith("FILE:10:1: error: unknown key 'strategys'"));
        CHECK_THAT(message, Catch::Matchers::Contains("did you mean 'strategies'"));
        CHECK_THAT(message, Catch::Matchers::Contains("strategys: [tree, ring]"));
      }
    }
  }
  GIVEN("a misspelt key inside the workload") {
    const std::string message = error_of(replaced(kValid, "  heads: 16", "  hedas: 16"));
    THEN("the message names the map the key is in") {
      CHECK_THAT(message, Catch::Matchers::StartsWith("FILE:7:3: error: unknown key 'hedas' in 'workload'"));
      CHECK_THAT(message, Catch::Matchers::Contains("did you mean 'heads'"));
    }
  }
}

SCENARIO("a scenario with a value of the wrong type is rejected", "[scenarios][errors]") {
  GIVEN("heads written as a word") {
    const std::string message = error_of(replaced(kValid, "heads: 16", "heads: eighty"));
    THEN("the message points at the value and says what was expected") {
      CHECK_THAT(message, Catch::Matchers::StartsWith("FILE:7:10: error: expected a positive integer, got 'eighty'"));
      CHECK_THAT(message, Catch::Matchers::Contains("in 'workload.heads'"));
    }
  }
  GIVEN("a context list with a bad third element") {
    const std::string message = error_of(replaced(kValid, "context: 80k", "context: [80k, 160k, 1.5, 320k]"));
    THEN("the element is named by its path") {
      CHECK_THAT(message, Catch::Matchers::StartsWith("FILE:9:24: error: expected a positive integer, got '1.5'"));
      CHECK_THAT(message, Catch::Matchers::Contains("'workload.context[2]'"));
    }
  }
  GIVEN("an empty sweep, a zero and a negative number") {
    CHECK_THAT(error_of(replaced(kValid, "context: 80k", "context: []")),
               Catch::Matchers::Contains("expected at least one value, got an empty list in 'workload.context'"));
    CHECK_THAT(error_of(replaced(kValid, "heads: 16", "heads: 0")), Catch::Matchers::Contains("got '0'"));
    CHECK_THAT(error_of(replaced(kValid, "heads: 16", "heads: -4")), Catch::Matchers::Contains("got '-4'"));
  }
  GIVEN("a generator parameter that is not a number") {
    CHECK_THAT(error_of(replaced(kValid, "nodes: 1", "nodes: sixteen")),
               Catch::Matchers::StartsWith("FILE:4:10: error: expected a number, got 'sixteen' in 'topology.nodes'"));
  }
  GIVEN("a GPU count that is neither 'all' nor a number") {
    CHECK_THAT(error_of(replaced(kValid, "device: h100_sxm", "device: h100_sxm\ngpus: [2, every]")),
               Catch::Matchers::StartsWith(
                   "FILE:6:11: error: expected 'all' or a positive integer, got 'every' in 'gpus[1]'"));
  }
  GIVEN("a list for a key that is not swept") {
    CHECK_THAT(error_of(replaced(kValid, "device: h100_sxm", "device: [h100_sxm, mi300x]")),
               Catch::Matchers::Contains("expected one value, got a list in 'device'"));
  }
}

SCENARIO("unknown names and inconsistent values are rejected with the valid choices", "[scenarios][errors]") {
  GIVEN("an unknown dtype") {
    const std::string message = error_of(replaced(kValid, "context: 80k", "context: 80k\n  dtype: bf61"));
    CHECK_THAT(message, Catch::Matchers::StartsWith("FILE:10:10: error: unknown dtype 'bf61' in 'workload.dtype'"));
    CHECK_THAT(message, Catch::Matchers::Contains("did you mean 'bf16'? valid dtypes: fp32, bf16, fp16, fp8"));
  }
  GIVEN("an unknown strategy") {
    const std::string message = error_of(replaced(kValid, "[tree, ring]", "[tree, rnig]"));
    CHECK_THAT(message, Catch::Matchers::StartsWith("FILE:10:20: error: unknown strategy 'rnig' in 'strategies[1]'"));
    CHECK_THAT(message, Catch::Matchers::Contains("did you mean 'ring'?"));
  }
  GIVEN("an option of another strategy") {
    const std::string message = error_of(replaced(kValid, "[tree, ring]", "[{name: ring, fuse_sums: true}]"));
    CHECK_THAT(message, Catch::Matchers::Contains("option 'fuse_sums' does not apply to strategy 'ring'"));
    CHECK_THAT(message, Catch::Matchers::Contains("options of 'ring': output"));
  }
  GIVEN("kv_heads that do not divide heads") {
    const std::string message = error_of(replaced(kValid, "heads: 16", "heads: 16\n  kv_heads: [4, 3]"));
    CHECK_THAT(message, Catch::Matchers::StartsWith("FILE:8:17: error: kv_heads 3 does not divide heads 16"));
  }
  GIVEN("a topology with both a file and a generator, or neither") {
    CHECK_THAT(error_of(replaced(kValid, "nodes: 1", "nodes: 1\n  file: x.graphml")),
               Catch::Matchers::Contains("'topology' has both 'file' and 'generator'"));
    CHECK_THAT(error_of(replaced(kValid, "generator:", "generater:")),
               Catch::Matchers::Contains("unknown key 'generater' in 'topology'"));
  }
  GIVEN("a repeated key") {
    CHECK_THAT(error_of(replaced(kValid, "device: h100_sxm", "device: h100_sxm\ndevice: mi300x")),
               Catch::Matchers::StartsWith("FILE:6:1: error: duplicate key 'device'"));
  }
  GIVEN("a missing required key") {
    CHECK_THAT(error_of(replaced(kValid, "device: h100_sxm\n", "")),
               Catch::Matchers::Contains("missing required key 'device'"));
  }
}

SCENARIO("malformed YAML is reported where the parser stopped", "[scenarios][errors]") {
  GIVEN("an unclosed flow sequence") {
    const std::string message = error_of(replaced(kValid, "[tree, ring]", "[tree, ring"));
    THEN("the message is located and does not leak yaml-cpp's own wording") {
      const std::string first_line = message.substr(0, message.find('\n'));
      CHECK_THAT(first_line, Catch::Matchers::Matches("FILE:[0-9]+:[0-9]+: error: invalid YAML: .+"));
      CHECK_THAT(message, !Catch::Matchers::Contains("yaml-cpp"));
    }
  }
  GIVEN("a file that does not exist") { CHECK_THROWS_AS(load_scenario("/nonexistent/scenario.yaml"), InputError); }
}

SCENARIO("a scenario path that is not a regular file is refused naming what it is", "[scenarios][errors]") {
  namespace fs = std::filesystem;
  const clustersim::testing::ScratchDir dir;
  const auto message = [](const fs::path& path) {
    try {
      load_scenario(path.string());
    } catch (const InputError& e) { return std::string(e.what()); }
    FAIL("load_scenario accepted " << path);
    return std::string();
  };
  const fs::path folder = fs::path(dir.path()) / "folder.yaml";
  fs::create_directory(folder);
  CHECK(message(folder) == folder.string() + ": error: cannot read scenario file: it is a directory");
  // /dev/null rather than /dev/zero: if the check regressed, this must fail, not fill memory
  const fs::path device = fs::path(dir.path()) / "device.yaml";
  fs::create_symlink("/dev/null", device);
  CHECK(message(device) == device.string() +
                               ": error: cannot read scenario file: it is a device file, not a "
                               "regular file");
  CHECK(message("/nonexistent/scenario.yaml") ==
        "/nonexistent/scenario.yaml: error: cannot read scenario file: it does not exist");
}

SCENARIO("deeply nested YAML is refused with a message that says so", "[scenarios][errors]") {
  // yaml-cpp's own depth limit keeps its stack safe but calls the file "bad file"
  std::string block;
  for (int i = 0; i < 1000; ++i) block += std::string(i, ' ') + "a:\n";
  for (const std::string& text : {std::string(100000, '['), block}) {
    const std::string message = error_of(text);
    CHECK_THAT(message, Catch::Matchers::StartsWith("FILE:") &&
                            Catch::Matchers::Contains("error: invalid YAML: lists and maps nested too deeply"));
  }
}

SCENARIO("text holding control characters is refused, and messages never echo them raw", "[scenarios][errors]") {
  // An ESC in a description or a label reached the terminal, the CSV and the HTML as it was.
  GIVEN("an escape sequence in the description") {
    const std::string message =
        error_of(replaced(kValid, "device: h100_sxm", "device: h100_sxm\ndescription: \"a\\e[2Jb\""));
    CHECK_THAT(message, Catch::Matchers::StartsWith("FILE:6:14: error: 'a\\x1b[2Jb' holds the control character ESC "
                                                    "(0x1b) in 'description'"));
    CHECK(message.find('\x1b') == std::string::npos);
  }
  GIVEN("a carriage return in a strategy option, and raw bytes in the line quoted") {
    const std::string message =
        error_of(replaced(kValid, "[tree, ring]", "[{name: ring, output: \"x\\ry\"}]  # \x1b[31m"));
    CHECK_THAT(message, Catch::Matchers::Contains("holds the control character CR (0x0d)"));
    CHECK(message.find('\x1b') == std::string::npos);
    CHECK(message.find('\r') == std::string::npos);
  }
  GIVEN("a tab and a newline, which are text") {
    CHECK_NOTHROW(clustersim::scenarios::parse_scenario(
        replaced(kValid, "device: h100_sxm", "device: h100_sxm\ndescription: \"two\\tcolumns\\nand lines\""), "<t>"));
  }
}

SCENARIO("a device profile path is found next to the scenario, as topology and model files are", "[scenarios]") {
  // The working directory is the source tree (CTest's WORKING_DIRECTORY), where my_gpu.yaml is not.
  const clustersim::testing::ScratchDir dir;
  dir.write("my_gpu.yaml", "not read while parsing");
  const std::string path = dir.write("scenario.yaml", replaced(kValid, "device: h100_sxm", "device: my_gpu.yaml"));
  REQUIRE_FALSE(std::filesystem::exists("my_gpu.yaml"));
  for (const auto& c : load_scenario(path).cases)
    CHECK(c.device == (std::filesystem::path(dir.path()) / "my_gpu.yaml").string());
  THEN("a shipped profile's name stays a name") {
    CHECK(shipped("rtx4090_tree_vs_ring").cases.front().device == "rtx4090");
  }
}
