// SPDX-License-Identifier: Apache-2.0
// Resolution of shipped data files by short name.
#include "common/data_path.hpp"

#include <cstdlib>

namespace clustersim {

std::filesystem::path data_root() {
  if (const char* dir = std::getenv("CLUSTERSIM_DATA_DIR"); dir && *dir) return dir;
  return CLUSTERSIM_SOURCE_DIR;
}

std::filesystem::path resolve_data_file(const std::string& name, const std::string& folder,
                                        const std::string& extension) {
  if (std::filesystem::is_regular_file(name)) return name;
  // Short names may contain dots (`llama3.1-8b`): anything but the expected extension is part
  // of the name.
  std::filesystem::path shipped = data_root() / folder / name;
  if (shipped.extension() != extension) shipped += extension;
  return shipped;
}

}  // namespace clustersim
