// SPDX-License-Identifier: Apache-2.0
// read_text_file(): a regular file is read whole; anything else (a directory, a FIFO, a device,
// nothing) and anything over the limit is refused with an InputError naming the file and why,
// without blocking on a FIFO or reading a device.
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "common/input_error.hpp"
#include "common/read_file.hpp"
#include "support/scratch_dir.hpp"

namespace clustersim {
namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using testing::ScratchDir;

std::string refusal(const std::filesystem::path& path, std::uintmax_t limit = kTextFileLimit) {
  try {
    read_text_file(path, "test file", limit);
  } catch (const InputError& e) {
    CHECK(e.mark().file == path.string());
    return e.what();
  }
  FAIL("read_text_file accepted " << path);
  return {};
}

TEST_CASE("read_file: a regular file is read whole up to the limit", "[common]") {
  const ScratchDir dir;
  const std::string path = dir.write("a.txt", std::string(100, 'x') + "\nend\n");
  CHECK(read_text_file(path, "test file", 105) == std::string(100, 'x') + "\nend\n");
  CHECK(read_text_file(dir.write("empty.txt", ""), "test file", 10).empty());
  const std::string link = (std::filesystem::path(dir.path()) / "link.txt").string();
  std::filesystem::create_symlink(path, link);
  CHECK(read_text_file(link, "test file", kTextFileLimit).size() == 105);
  CHECK_THAT(refusal(path, 104), StartsWith(path + ": error: cannot read test file: it is 105 bytes, more than "
                                                   "104 bytes, the most a test file may hold"));
}

TEST_CASE("read_file: a directory or FIFO or device or missing file is refused naming what it is", "[common][errors]") {
  const ScratchDir dir;
  const std::filesystem::path root = dir.path();
  CHECK_THAT(refusal(root), Contains("cannot read test file: it is a directory"));
  REQUIRE(::mkfifo((root / "fifo").c_str(), 0600) == 0);
  CHECK_THAT(refusal(root / "fifo"), Contains("it is a FIFO (named pipe), not a regular file"));
  std::filesystem::create_symlink("/dev/zero", root / "zero.yaml");
  CHECK_THAT(refusal(root / "zero.yaml"), Contains("it is a device file, not a regular file"));
  CHECK_THAT(refusal(root / "missing.yaml"), Contains("it does not exist"));
  std::filesystem::create_symlink(root / "missing.yaml", root / "dangling.yaml");
  CHECK_THAT(refusal(root / "dangling.yaml"), Contains("a symbolic link to a file that does not exist"));
  CHECK_THAT(refusal(root / "dangling.yaml" / "x"), Contains(": error: cannot read test file:"));
}

}  // namespace
}  // namespace clustersim
