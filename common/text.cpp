// SPDX-License-Identifier: Apache-2.0
#include "common/text.hpp"

#include <fmt/format.h>

namespace clustersim {
namespace {

/// How many bytes of `text` from `at` make a control character; 0 when there is none there.
std::size_t control_length(std::string_view text, std::size_t at) {
  const auto c = static_cast<unsigned char>(text[at]);
  if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) return 1;
  if (c == 0xc2 && at + 1 < text.size()) {  // U+0080..U+009F are C2 80..C2 9F in UTF-8
    const auto next = static_cast<unsigned char>(text[at + 1]);
    if (next >= 0x80 && next <= 0x9f) return 2;
  }
  return 0;
}

}  // namespace

std::optional<std::size_t> first_control_character(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i)
    if (control_length(text, i) > 0) return i;
  return std::nullopt;
}

std::string describe_control_character(std::string_view text, std::size_t at) {
  static const char* const kC0Names[32] = {"NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS",  "HT",  "LF",
                                           "VT",  "FF",  "CR",  "SO",  "SI",  "DLE", "DC1", "DC2", "DC3", "DC4", "NAK",
                                           "SYN", "ETB", "CAN", "EM",  "SUB", "ESC", "FS",  "GS",  "RS",  "US"};
  const auto c = static_cast<unsigned char>(text[at]);
  if (c < 0x20) return fmt::format("{} (0x{:02x})", kC0Names[c], c);
  if (c == 0x7f) return "DEL (0x7f)";
  if (control_length(text, at) == 2) return fmt::format("U+{:04X}", static_cast<unsigned char>(text[at + 1]));
  return fmt::format("0x{:02x}", c);
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = control_length(text, i);
    if (n == 0) {
      out += text[i++];
      continue;
    }
    for (std::size_t k = 0; k < n; ++k, ++i) out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[i]));
  }
  return out;
}

}  // namespace clustersim
