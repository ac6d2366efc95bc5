// SPDX-License-Identifier: Apache-2.0
// The output directory: clustersim replaces only the files it wrote, refuses a directory that is
// not its own before anything runs, and a failed publish leaves the earlier files whole.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "common/input_error.hpp"
#include "common/output_dir.hpp"
#include "support/run_clustersim.hpp"
#include "support/scratch_dir.hpp"

namespace fs = std::filesystem;
using clustersim::InputError;
using clustersim::OutputDir;
using clustersim::Publish;
using clustersim::testing::slurp;

namespace {

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("output: a run's files replace only the files an earlier run wrote", "[common][output]") {
  clustersim::testing::ScratchDir scratch;
  const fs::path dir = fs::path(scratch.path()) / "R";
  OutputDir::checked(dir, "--out").publish({{"results.json", "1"}, {"extra.yaml", "old"}});
  CHECK(names_in(dir) == std::vector<std::string>{".clustersim-files", "extra.yaml", "results.json"});
  std::ofstream(dir / "notes.txt") << "mine";

  OutputDir::checked(dir, "--out").publish({{"results.json", "2"}, {"results.csv", "c"}});
  CHECK(slurp(dir / "results.json") == "2");
  CHECK(slurp(dir / "notes.txt") == "mine");
  CHECK_FALSE(fs::exists(dir / "extra.yaml"));  // the earlier run's, not written again
  CHECK(names_in(dir) == std::vector<std::string>{".clustersim-files", "notes.txt", "results.csv", "results.json"});

  SECTION("more files of the same run keep the run's others") {
    OutputDir::checked(dir, "--out").publish({{"report.html", "h"}}, Publish::add_files);
    CHECK(slurp(dir / "results.json") == "2");
    OutputDir::checked(dir, "--out").publish({{"results.json", "3"}});
    CHECK_FALSE(fs::exists(dir / "report.html"));  // listed as clustersim's by the report
    CHECK(slurp(dir / "notes.txt") == "mine");
  }
  SECTION("a trailing slash names the same directory") {
    OutputDir::checked(dir.string() + "/", "--out").publish({{"results.json", "4"}});
    CHECK(slurp(dir / "results.json") == "4");
    CHECK(slurp(dir / "notes.txt") == "mine");
  }
  SECTION("a file the list names that is now a directory of the user's is left alone") {
    fs::remove(dir / "results.csv");
    fs::create_directories(dir / "results.csv" / "inner");
    OutputDir::checked(dir, "--out").publish({{"results.json", "5"}});
    CHECK(fs::is_directory(dir / "results.csv" / "inner"));
  }
}

TEST_CASE("output: a directory clustersim did not write is refused before anything is written", "[common][output]") {
  clustersim::testing::ScratchDir scratch;
  const std::string notes = scratch.write("notes.txt", "mine");
  CHECK_THROWS_AS(OutputDir::checked(scratch.path(), "--out"), InputError);
  CHECK_THROWS_WITH(OutputDir::checked(scratch.path(), "--out"), Catch::Contains("did not write"));
  CHECK_THROWS_WITH(OutputDir::checked(notes, "--out"), Catch::Contains("is not a directory"));
  CHECK(names_in(scratch.path()) == std::vector<std::string>{"notes.txt"});
  // An empty directory or a new one is fine.
  fs::create_directories(fs::path(scratch.path()) / "empty");
  CHECK_NOTHROW(OutputDir::checked(fs::path(scratch.path()) / "empty", "--out"));
  CHECK_NOTHROW(OutputDir::checked(fs::path(scratch.path()) / "new" / "deeper", "--out"));
}

TEST_CASE("output: a failed publish leaves the earlier files whole and no staging behind", "[common][output]") {
  clustersim::testing::ScratchDir scratch;
  const fs::path dir = fs::path(scratch.path()) / "R";
  OutputDir::checked(dir, "--out").publish({{"results.json", "1"}, {"results.csv", "c1"}});
  fs::create_directories(dir / "report.html");  // a rename onto a directory fails
  std::ofstream(dir / "report.html" / "keep") << "k";
  CHECK_THROWS(OutputDir::checked(dir, "--out").publish({{"report.html", "h"}, {"results.json", "2"}}));
  CHECK(slurp(dir / "report.html" / "keep") == "k");
  CHECK(names_in(dir) == std::vector<std::string>{".clustersim-files", "report.html", "results.csv", "results.json"});
  // The rename of report.html came first (names in order) and failed: results.json is the old one.
  CHECK(slurp(dir / "results.json") == "1");
}

TEST_CASE("output: the default directory is results/<name> and a name cannot leave it", "[common][output]") {
  CHECK(clustersim::default_output_dir("dgx") == fs::path("results/dgx"));
  CHECK(clustersim::default_output_dir("dgx", "_live") == fs::path("results/dgx_live"));
  for (const std::string& bad :
       std::vector<std::string>{"", ".", "..", "../x", "/tmp/x", "a/b", std::string("a\0b", 3), "a\x1b[2Jb"})
    CHECK_THROWS_AS(clustersim::default_output_dir(bad), InputError);
  CHECK_THROWS_WITH(clustersim::default_output_dir("a\x1b[2J"), Catch::Contains("a\\x1b[2J"));
}

TEST_CASE("output: a FIFO planted as clustersim's list of files neither blocks nor is trusted", "[common][output]") {
  clustersim::testing::ScratchDir scratch;
  const fs::path dir = fs::path(scratch.path()) / "R";
  OutputDir::checked(dir, "--out").publish({{"results.json", "1"}});
  fs::remove(dir / ".clustersim-files");
  REQUIRE(::mkfifo((dir / ".clustersim-files").c_str(), 0600) == 0);
  std::ofstream(dir / "notes.txt") << "mine";
  // The directory still holds a results.json, so it is accepted; the FIFO is read as no list.
  OutputDir::checked(dir, "--out").publish({{"results.json", "2"}});
  CHECK(slurp(dir / "results.json") == "2");
  CHECK(slurp(dir / "notes.txt") == "mine");
}
