// SPDX-License-Identifier: Apache-2.0
// What the fuzz targets share: a reader refusing its input with one of the exceptions it is meant
// to throw (InputError, std::invalid_argument, std::runtime_error, which YAML and property_tree
// errors derive from, and nlohmann::json's) is a normal outcome. Any other exception escapes, and
// libFuzzer reports it, like a crash or a sanitizer report, as a finding.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "common/input_error.hpp"

namespace clustersim::fuzz {

/// Runs `read`, treating the readers' own refusals as normal.
template <typename Read>
void reject_quietly(Read&& read) {
  try {
    read();
  } catch (const InputError&) {
  } catch (const std::invalid_argument&) {
  } catch (const std::runtime_error&) {
  } catch (const nlohmann::json::exception&) {}
}

/// The fuzz input as text.
inline std::string as_text(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

/// For readers that take only a path: a file in /dev/shm (memory, so rewriting it per input is
/// cheap), one per process and extension, rewritten with each input and removed at exit.
class ScratchFile {
 public:
  explicit ScratchFile(const std::string& extension) {
    const std::filesystem::path dir = std::filesystem::is_directory("/dev/shm")
                                          ? std::filesystem::path("/dev/shm")
                                          : std::filesystem::temp_directory_path();
    path_ = (dir / ("clustersim-fuzz-" + std::to_string(::getpid()) + extension)).string();
  }
  ~ScratchFile() { std::remove(path_.c_str()); }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  /// Replaces the file's contents with `data`; returns its path.
  const std::string& write(const std::uint8_t* data, std::size_t size) {
    std::FILE* file = std::fopen(path_.c_str(), "wb");
    if (!file) throw std::logic_error("cannot write the scratch file " + path_);
    if (size > 0 && std::fwrite(data, 1, size, file) != size) throw std::logic_error("short write to " + path_);
    std::fclose(file);
    return path_;
  }

 private:
  std::string path_;
};

}  // namespace clustersim::fuzz
