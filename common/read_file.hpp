// SPDX-License-Identifier: Apache-2.0
// Reading a whole input file safely: only a regular file (a FIFO would block, a device such as
// /dev/zero never ends), only up to a size limit, and every refusal an InputError naming the file
// and what it is instead.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace clustersim {

inline constexpr std::uintmax_t kMiB = std::uintmax_t{1} << 20;
/// The most a scenario, device profile, model or results file may hold.
inline constexpr std::uintmax_t kTextFileLimit = 64 * kMiB;
/// The most a GraphML or DOT topology file may hold.
inline constexpr std::uintmax_t kGraphFileLimit = 256 * kMiB;

/// Why `path` (symbolic links followed) is not a regular file that can be read, e.g. "it is a
/// directory", "it is a FIFO (named pipe)", "it does not exist"; nothing when it is one.
std::optional<std::string> not_a_regular_file(const std::filesystem::path& path);

/// The contents of the regular file at `path`, at most `limit` bytes. `what` names it in
/// messages, e.g. "scenario file". Never blocks on a FIFO and never reads past `limit`.
/// Throws: InputError at the file, "cannot read <what>: it is a directory" (or a FIFO, a device
/// file, a socket, does not exist, is larger than the limit, or the system's reason).
std::string read_text_file(const std::filesystem::path& path, std::string_view what, std::uintmax_t limit);

}  // namespace clustersim
