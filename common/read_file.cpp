// SPDX-License-Identifier: Apache-2.0
// read_text_file(): stat first (a FIFO or device is refused before it is opened), open without
// blocking (in case the path changed to a FIFO since), check the open file again, and read at
// most one byte past the limit (st_size is 0 for files such as those in /proc, so it is not
// trusted for the limit).
#include "common/read_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "common/input_error.hpp"

namespace clustersim {
namespace {

std::optional<std::string> kind_problem(mode_t mode) {
  if (S_ISREG(mode)) return std::nullopt;
  if (S_ISDIR(mode)) return "it is a directory";
  if (S_ISFIFO(mode)) return "it is a FIFO (named pipe), not a regular file";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "it is a device file, not a regular file";
  if (S_ISSOCK(mode)) return "it is a socket, not a regular file";
  return "it is not a regular file";
}

std::string size_text(std::uintmax_t bytes) {
  if (bytes < kMiB) return fmt::format("{} bytes", bytes);
  if (bytes % kMiB == 0) return fmt::format("{} MiB", bytes / kMiB);
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / static_cast<double>(kMiB));
}

[[noreturn]] void refuse(const std::filesystem::path& path, std::string_view what, const std::string& why) {
  throw InputError({path.string()}, "file", fmt::format("cannot read {}: {}", what, why));
}

std::string too_large(std::string_view what, std::uintmax_t limit) {
  return fmt::format("it is larger than {}, the most a {} may hold", size_text(limit), what);
}

class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::optional<std::string> not_a_regular_file(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int error = errno;
    if (error == ENOENT || error == ENOTDIR) {
      struct stat link {};
      if (::lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode))
        return std::string("it is a symbolic link to a file that does not exist");
      return std::string("it does not exist");
    }
    return std::string(std::strerror(error));
  }
  return kind_problem(st.st_mode);
}

std::string read_text_file(const std::filesystem::path& path, std::string_view what, std::uintmax_t limit) {
  if (const auto problem = not_a_regular_file(path)) refuse(path, what, *problem);
  const Descriptor fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (fd.get() < 0) refuse(path, what, std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) refuse(path, what, std::strerror(errno));
  if (const auto problem = kind_problem(st.st_mode)) refuse(path, what, *problem);
  if (static_cast<std::uintmax_t>(st.st_size) > limit)
    refuse(path, what,
           fmt::format("it is {}, more than {}, the most a {} may hold",
                       size_text(static_cast<std::uintmax_t>(st.st_size)), size_text(limit), what));
  std::string text;
  text.reserve(static_cast<std::size_t>(st.st_size));
  char buffer[65536];
  for (;;) {
    const ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) refuse(path, what, std::strerror(errno));
    if (got == 0) break;
    if (text.size() + static_cast<std::uintmax_t>(got) > limit) refuse(path, what, too_large(what, limit));
    text.append(buffer, static_cast<std::size_t>(got));
  }
  return text;
}

}  // namespace clustersim
