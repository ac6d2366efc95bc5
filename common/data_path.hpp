// SPDX-License-Identifier: Apache-2.0
// Where shipped data lives: device profiles, topology files and scenarios are looked up by
// short name (e.g. `h100_sxm`) in the installed data directory.
#pragma once

#include <filesystem>
#include <string>

namespace clustersim {

/// The root holding model/devices, topologies and scenarios: $CLUSTERSIM_DATA_DIR if set,
/// else the source tree this binary was built from.
std::filesystem::path data_root();

/// `name` itself if it names an existing file; else `data_root()/folder/name`, with `extension`
/// added unless the name already ends with it.
/// Returns the path even if it does not exist, so that callers can report it.
std::filesystem::path resolve_data_file(const std::string& name, const std::string& folder,
                                        const std::string& extension);

}  // namespace clustersim
