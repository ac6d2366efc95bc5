// SPDX-License-Identifier: Apache-2.0
// No text clustersim reads can run a command: labels from results files, scenario and topology
// file names reach gnuplot, Graphviz and the terminal as data only.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "support/run_clustersim.hpp"
#include "support/scratch_dir.hpp"

namespace fs = std::filesystem;
using clustersim::testing::Run;
using clustersim::testing::run_clustersim;
using clustersim::testing::slurp;

namespace {

/// Ways to smuggle a command into a label, each creating a file named by its index in the
/// working directory if it ever runs: gnuplot's backquotes and system(), a shell's $() and
/// backquotes, a quote that ends a string early, a newline that ends a datablock or starts a
/// gnuplot `!` shell line.
std::vector<std::string> payloads() {
  return {"a`touch pwned0`b",
          "$(touch pwned1)",
          "x' . system('touch pwned2') . 'y",
          "x\" . system(\"touch pwned3\") . \"y",
          "x\nEOD\nsystem('touch pwned4')\n$z << EOD",
          "x\n!touch pwned5\n",
          "x'\n!touch pwned6\n'",
          "<script>touch pwned7</script>&amp;\\"};
}

std::vector<std::string> pwned_files(const fs::path& dir) {
  std::vector<std::string> found;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.path().filename().string().rfind("pwned", 0) == 0) found.push_back(entry.path().string());
  return found;
}

/// `text` as one word for the shell that run_clustersim uses.
std::string shell_word(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

SCENARIO("labels in a results file given to report are data, never commands", "[cli][security]") {
  clustersim::testing::ScratchDir scratch;
  const std::string scenario = scratch.write("tiny.yaml",
                                             "name: tiny\n"
                                             "topology: {generator: rtx4090_box, gpus: 2}\n"
                                             "device: rtx4090\n"
                                             "workload: {context: [80k, 160k]}\n"
                                             "strategies: [tree, ring]\n");
  const fs::path a = fs::path(scratch.path()) / "A";
  REQUIRE(run_clustersim("simulate --quiet --no-report " + scenario + " --out " + a.string()).exit_code == 0);
  nlohmann::json results = nlohmann::json::parse(slurp(a / "results.json"));
  const std::vector<std::string> labels = payloads();
  std::size_t k = 0;
  for (auto& c : results["cases"]) {  // every label the report shows, each case a different payload
    const std::string& label = labels[k++ % labels.size()];
    c["strategy"] = label;
    c["scenario"] = label;
    c["model"] = label;
    c["link_bytes_by_class"][label] = 1e6;
  }
  results["scenario"] = labels.front();
  // A comparison's labels are the names of the folders that hold the two results files.
  const fs::path b = fs::path(scratch.path()) / "B`touch pwned8`$(touch pwned9)";
  fs::create_directories(b);
  std::ofstream(a / "results.json") << results.dump();
  std::ofstream(b / "results.json") << results.dump();

  const std::string in_scratch = "cd " + shell_word(scratch.path()) + " &&";
  const Run one = run_clustersim("report " + shell_word((a / "results.json").string()), in_scratch);
  CHECK(one.exit_code == 0);
  CHECK(one.err == "");
  const Run two = run_clustersim(
      "report " + shell_word((a / "results.json").string()) + " " + shell_word((b / "results.json").string()),
      in_scratch);
  CHECK(two.exit_code == 0);
  CHECK(pwned_files(scratch.path()).empty());
  const std::string html = slurp(a / "report.html");
  CHECK(html.find("<svg") != std::string::npos);     // the figures were drawn
  CHECK(html.find("<script") == std::string::npos);  // and the labels escaped in them
}

SCENARIO("a topology file name with shell syntax is only a name", "[cli][security]") {
  clustersim::testing::ScratchDir scratch;
  const std::string name = "t`touch pwned0`$(touch pwned1)'\"x.graphml";
  fs::copy_file("topologies/rtx4090_box_8gpu.graphml", fs::path(scratch.path()) / name);
  std::string yaml_name;  // a YAML single-quoted scalar
  for (char c : name) yaml_name += c == '\'' ? std::string("''") : std::string(1, c);
  const std::string scenario = scratch.write("s.yaml",
                                             "name: s\n"
                                             "topology: {file: '" +
                                                 yaml_name +
                                                 "'}\n"
                                                 "device: rtx4090\n"
                                                 "gpus: 2\n"
                                                 "workload: {context: [80k, 160k]}\n"
                                                 "strategies: [tree, ring]\n");
  const Run run = run_clustersim("simulate --quiet s.yaml --out out", "cd " + shell_word(scratch.path()) + " &&");
  CHECK(run.exit_code == 0);
  CHECK(run.err == "");
  CHECK(pwned_files(scratch.path()).empty());
  CHECK(slurp(fs::path(scratch.path()) / "out" / "report.html").find("<svg") != std::string::npos);
}

SCENARIO("a TMPDIR with a quote in it is only a directory", "[cli][security]") {
  clustersim::testing::ScratchDir scratch;
  const fs::path tmp = fs::path(scratch.path()) / "t'$(touch pwned0)'`touch pwned1`";
  fs::create_directories(tmp);
  const Run run = run_clustersim("simulate --quiet --out out",
                                 "cd " + shell_word(scratch.path()) + " && TMPDIR=" + shell_word(tmp.string()));
  CHECK(run.exit_code == 0);
  CHECK(pwned_files(scratch.path()).empty());
  CHECK(fs::exists(fs::path(scratch.path()) / "out" / "report.html"));
}
