// SPDX-License-Identifier: Apache-2.0
// Resolution of shipped data files by short name, and of the programs clustersim starts.
// CMakeLists.txt gives this file the build's folders and the install layout (CLUSTERSIM_BINARY_DIR,
// CLUSTERSIM_INSTALL_DATADIR, CLUSTERSIM_INSTALL_PROGRAMDIR), the same values its install() rules use.
#include "common/data_path.hpp"

#include <cstdlib>
#include <optional>
#include <system_error>

namespace clustersim {

namespace {

namespace fs = std::filesystem;

/// The running program's folder (from /proc/self/exe, symlinks resolved), or the working
/// directory where that cannot be read.
fs::path executable_dir() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::current_path() : self.parent_path();
}

/// <prefix> when the running program is an installed clustersim: it lies in <prefix>/bin and
/// <prefix>/share/clustersim exists. Checked before the build tree so that a prefix inside the
/// build directory (`cmake --install build --prefix build/stage`) still counts as installed.
std::optional<fs::path> install_prefix() {
  const fs::path dir = executable_dir();
  std::error_code ec;
  if (dir.filename() == "bin" && fs::is_directory(dir.parent_path() / CLUSTERSIM_INSTALL_DATADIR, ec))
    return dir.parent_path();
  return std::nullopt;
}

/// Whether the running program lies in (a folder under) the build directory it was built in:
/// clustersim, clustersim_tests and the benchmarks there read the source tree's data.
bool in_build_tree() {
  std::error_code ec;
  const fs::path build = fs::weakly_canonical(CLUSTERSIM_BINARY_DIR, ec);
  if (ec) return false;
  const fs::path rel = executable_dir().lexically_relative(build);
  return !rel.empty() && *rel.begin() != "..";
}

}  // namespace

fs::path data_root() {
  if (const char* dir = std::getenv("CLUSTERSIM_DATA_DIR"); dir && *dir) return dir;
  if (const auto prefix = install_prefix()) return *prefix / CLUSTERSIM_INSTALL_DATADIR;
  if (in_build_tree()) return CLUSTERSIM_SOURCE_DIR;
  // A copied or half-installed binary: where an install would put the data, for the error.
  return executable_dir().parent_path() / CLUSTERSIM_INSTALL_DATADIR;
}

fs::path program_dir() {
  if (const auto prefix = install_prefix()) return *prefix / CLUSTERSIM_INSTALL_PROGRAMDIR;
  return executable_dir();
}

fs::path resolve_data_file(const std::string& name, const std::string& folder, const std::string& extension) {
  if (fs::is_regular_file(name)) return name;
  // Short names may contain dots (`llama3.1-8b`): anything but the expected extension is part
  // of the name.
  fs::path shipped = data_root() / folder / name;
  if (shipped.extension() != extension) shipped += extension;
  return shipped;
}

}  // namespace clustersim
