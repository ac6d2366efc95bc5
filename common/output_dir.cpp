// SPDX-License-Identifier: Apache-2.0
// Staging: a new directory is staged beside itself and renamed into place in one step; an existing
// one gets a staging directory inside it, whose files are renamed over the old ones one by one.
// The list of files is written before the renames (old and new names) and after them (what is
// there now), so that an interruption anywhere leaves every file clustersim wrote on the list.
#include "common/output_dir.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/std.h>

#include "common/atomic_file.hpp"
#include "common/input_error.hpp"
#include "common/read_file.hpp"
#include "common/text.hpp"

namespace clustersim {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFileList = ".clustersim-files";

}  // namespace

bool is_plain_file_name(const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) return false;
  return std::none_of(name.begin(), name.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

namespace {

/// The files an earlier run listed as its own; names that are not plain are ignored.
/// Read through common/read_file: a FIFO or device planted under the list's name must neither
/// block the run nor be read without end; such a list counts as empty.
std::set<std::string> listed_files(const fs::path& dir) {
  std::set<std::string> names;
  if (not_a_regular_file(dir / kFileList)) return names;
  std::istringstream in(read_text_file(dir / kFileList, "clustersim's list of its files", kTextFileLimit));
  for (std::string line; std::getline(in, line);)
    if (is_plain_file_name(line) && line != kFileList) names.insert(line);
  return names;
}

std::string file_list_text(const std::set<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += name + "\n";
  return text;
}

/// Writes `name` in the staging directory `staging` of `dir`. Throws: std::runtime_error naming
/// the file as the user will look for it, in `dir`, and the system's reason (a full disk, a quota).
void write_file(const fs::path& staging, const std::string& name, const std::string& text, const fs::path& dir) {
  const auto fail = [&](int error) {
    throw std::runtime_error(fmt::format("cannot write {} into {}: {}", name, dir, std::strerror(error)));
  };
  const int fd = ::open((staging / name).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) fail(errno);
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : ENOSPC;
      ::close(fd);
      fail(error);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) fail(errno);
}

}  // namespace

OutputDir OutputDir::checked(const fs::path& path, const std::string& option) {
  if (path.empty()) throw InputError({}, option, "the output directory is an empty path");
  const fs::path dir = path.has_filename() ? path : path.parent_path();  // "R/" is "R"
  std::error_code ec;
  const fs::file_status status = fs::status(dir, ec);
  if (!fs::exists(status)) return OutputDir(dir);
  if (!fs::is_directory(status))
    throw InputError({}, option, fmt::format("output directory {} exists and is not a directory", dir));
  const bool empty = fs::is_empty(dir, ec);
  if (ec) throw InputError({}, option, fmt::format("cannot read output directory {}: {}", dir, ec.message()));
  if (!empty && !fs::is_regular_file(dir / kFileList) && !fs::is_regular_file(dir / "results.json"))
    throw InputError(
        {}, option,
        fmt::format("output directory {} holds files that clustersim did not write; not writing into it", dir),
        "give an empty or new directory (clustersim replaces only the files it wrote itself)");
  return OutputDir(dir);
}

void OutputDir::publish(const std::map<std::string, std::string>& files, Publish mode) const {
  std::set<std::string> names;
  for (const auto& [name, text] : files) {
    if (!is_plain_file_name(name) || name == kFileList) throw std::logic_error("not a plain file name: " + name);
    names.insert(name);
  }
  if (!fs::is_directory(path_)) {
    const fs::path parent = path_.has_parent_path() ? path_.parent_path() : fs::path(".");
    fs::create_directories(parent);
    const ScratchDir staging(parent, fmt::format(".{}.staging-", path_.filename().string()));
    for (const auto& [name, text] : files) write_file(staging.path(), name, text, path_);
    write_file(staging.path(), kFileList, file_list_text(names), path_);
    using fs::perms;  // mkdtemp makes it 0700; results are for everyone to read
    fs::permissions(staging.path(),
                    perms::owner_all | perms::group_read | perms::group_exec | perms::others_read | perms::others_exec);
    fs::rename(staging.path(), path_);
    return;
  }
  const ScratchDir staging(path_, ".clustersim-staging-");
  for (const auto& [name, text] : files) write_file(staging.path(), name, text, path_);
  const std::set<std::string> earlier = listed_files(path_);
  std::set<std::string> listed = earlier;
  listed.insert(names.begin(), names.end());
  write_file_atomically(path_ / kFileList, file_list_text(listed));
  for (const std::string& name : names) fs::rename(staging.path() / name, path_ / name);
  if (mode == Publish::replace_run) {
    for (const std::string& name : earlier) {
      if (names.count(name)) continue;
      const fs::file_status status = fs::symlink_status(path_ / name);
      if (fs::is_regular_file(status) || fs::is_symlink(status)) fs::remove(path_ / name);
    }
    listed = names;
  }
  write_file_atomically(path_ / kFileList, file_list_text(listed));
}

ScratchDir::ScratchDir(const fs::path& parent, const std::string& prefix) {
  std::string pattern = (parent / (prefix + "XXXXXX")).string();
  if (!::mkdtemp(pattern.data()))
    throw std::runtime_error(fmt::format("cannot create a staging directory in {}: {}", parent, std::strerror(errno)));
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

std::filesystem::path default_output_dir(const std::string& name, const std::string& suffix) {
  if (!is_plain_file_name(name)) {
    throw InputError({}, "name",
                     fmt::format("the scenario name '{}' cannot name a directory under results/", printable(name)),
                     "a name is one plain file name: no '/', not '.' or '..', no control characters");
  }
  return fs::path("results") / (name + suffix);
}

}  // namespace clustersim
