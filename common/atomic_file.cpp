// SPDX-License-Identifier: Apache-2.0
// The text goes to `<path>.partial` first; rename() then replaces `path` in one step.
#include "common/atomic_file.hpp"

#include <fstream>
#include <stdexcept>

namespace clustersim {

void write_file_atomically(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path partial = path.string() + ".partial";
  try {
    std::ofstream out(partial, std::ios::binary);
    out << text;
    out.close();
    if (!out) throw std::runtime_error("cannot write " + partial.string());
    std::filesystem::rename(partial, path);
  } catch (...) {
    std::filesystem::remove(partial);
    throw;
  }
}

}  // namespace clustersim
