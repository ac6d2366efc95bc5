// SPDX-License-Identifier: Apache-2.0
// Control characters in text that came from a file: ESC starts a terminal escape sequence, CR
// overwrites the line, NUL cuts it. Input readers refuse them (first_control_character); text
// shown in a message has them spelt \xNN (printable).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace clustersim {

/// The byte offset of the first control character in `text`: C0 (below 0x20) other than tab and
/// newline, DEL (0x7f), or a UTF-8 encoded C1 (U+0080 to U+009F, which terminals also obey).
std::optional<std::size_t> first_control_character(std::string_view text);

/// What the control character at `text[at]` is, e.g. "ESC (0x1b)", "CR (0x0d)", "U+009B".
std::string describe_control_character(std::string_view text, std::size_t at);

/// `text` with every control character (as first_control_character; tab and newline kept)
/// spelt \xNN, byte by byte.
std::string printable(std::string_view text);

}  // namespace clustersim
