// SPDX-License-Identifier: Apache-2.0
// Where shipped data lives: device profiles, topology files and scenarios are looked up by
// short name (e.g. `h100_sxm`) in the data directory, and the rank and probe programs that
// clustersim starts in the program directory. Both are found from the running executable, so an
// installed clustersim (`cmake --install`, the .deb) runs anywhere, and one in its build
// directory uses the source tree it was built from.
#pragma once

#include <filesystem>
#include <string>

namespace clustersim {

/// The root holding model/devices, model/models, topologies and scenarios, in this order:
/// $CLUSTERSIM_DATA_DIR if set; <prefix>/share/clustersim when the running program is installed
/// (it is <prefix>/bin/NAME and that folder exists); the source tree this binary was built from
/// when it runs from its build directory; else <prefix>/share/clustersim anyway, so that errors
/// name where the data should be (never the source tree).
std::filesystem::path data_root();

/// The folder holding the programs clustersim starts (clustersim_live_cpu, clustersim_mpi_probe,
/// clustersim_gpu_probe, clustersim_live_gpu): <prefix>/lib/clustersim when installed, else the
/// running program's own folder (the build directory).
std::filesystem::path program_dir();

/// `name` itself if it names an existing file; else `data_root()/folder/name`, with `extension`
/// added unless the name already ends with it.
/// Returns the path even if it does not exist, so that callers can report it.
std::filesystem::path resolve_data_file(const std::string& name, const std::string& folder,
                                        const std::string& extension);

}  // namespace clustersim
