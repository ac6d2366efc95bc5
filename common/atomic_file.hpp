// SPDX-License-Identifier: Apache-2.0
// Writing a file whole or not at all, so that a failed or interrupted run never leaves a
// truncated result, report or profile behind.
#pragma once

#include <filesystem>
#include <string>

namespace clustersim {

/// Writes `text` to `path` whole or not at all (through a temporary file renamed into place).
/// Throws: std::runtime_error on I/O failure.
void write_file_atomically(const std::filesystem::path& path, const std::string& text);

}  // namespace clustersim
