// SPDX-License-Identifier: Apache-2.0
// The text goes to a fresh temporary file beside `path` first (mkstemp: never an existing file);
// rename() then replaces `path` in one step.
#include "common/atomic_file.hpp"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace clustersim {

void write_file_atomically(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::string partial = (dir / ("." + path.filename().string() + ".partial-XXXXXX")).string();
  const int fd = ::mkstemp(partial.data());
  if (fd < 0) throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(errno));
  bool open = true;
  try {
    for (std::size_t done = 0; done < text.size();) {
      const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(errno));
      done += static_cast<std::size_t>(n);
    }
    const bool mode_set = ::fchmod(fd, 0644) == 0;  // mkstemp makes it 0600; results are for everyone to read
    open = false;
    if (::close(fd) != 0 || !mode_set)
      throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(errno));
    std::filesystem::rename(partial, path);
  } catch (...) {
    if (open) ::close(fd);
    std::filesystem::remove(partial);
    throw;
  }
}

}  // namespace clustersim
