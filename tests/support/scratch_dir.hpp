// SPDX-License-Identifier: Apache-2.0
// ScratchDir: a fresh temporary directory for files a test writes (scenarios, profiles, graphs),
// unique per process and call so that tests can run in parallel, removed at scope exit.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

namespace clustersim::testing {

/// A fresh directory under the system temp dir, removed with everything in it at scope exit.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "clustersim_test_XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  /// The directory itself.
  std::string path() const { return path_.string(); }

  /// Writes `text` to `name` inside the directory and returns the file's path.
  std::string write(const std::string& name, const std::string& text) const {
    const std::string file = (path_ / name).string();
    std::ofstream(file) << text;
    return file;
  }

 private:
  std::filesystem::path path_;
};

/// One file holding `text`, alone in a fresh ScratchDir; both removed at scope exit.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& text) : path_(dir_.write(name, text)) {}
  const std::string& path() const { return path_; }

 private:
  ScratchDir dir_;
  std::string path_;
};

}  // namespace clustersim::testing
