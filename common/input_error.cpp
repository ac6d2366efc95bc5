// SPDX-License-Identifier: Apache-2.0
// Formatting of InputError (GNU Coding Standards §4.4 plus a caret line) and name suggestions
// ranked by Levenshtein distance.
#include "common/input_error.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>

#include <fmt/format.h>

#include "common/text.hpp"

namespace clustersim {
namespace {

// The line is shown only from a regular file: a mark may name a FIFO or device the reader refused.
std::string source_line(const std::string& file, int line) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return {};
  std::ifstream in(file);
  std::string text;
  for (int i = 0; i < line && std::getline(in, text); ++i) {}
  return in ? text : std::string{};
}

// At most kShownColumns of the line around `column`, with "..." where it is cut, and the caret's
// column in what is shown: a file of one huge line must not fill the terminal.
constexpr std::size_t kShownColumns = 120;
std::pair<std::string, int> window(const std::string& text, int column) {
  if (text.size() <= kShownColumns) return {text, column};
  const std::size_t at = static_cast<std::size_t>(column - 1);
  const std::size_t start = std::min(at > kShownColumns / 2 ? at - kShownColumns / 2 : 0, text.size() - kShownColumns);
  const std::string before = start > 0 ? "..." : "";
  const std::string after = start + kShownColumns < text.size() ? "..." : "";
  return {before + text.substr(start, kShownColumns) + after,
          static_cast<int>(at - std::min(at, start) + before.size()) + 1};
}

std::string format_message(const SourceMark& mark, const std::string& message, const std::string& note) {
  std::string out;
  if (mark.file.empty()) out = "clustersim: ";
  else if (mark.line > 0) out = fmt::format("{}:{}:{}: ", mark.file, mark.line, std::max(mark.column, 1));
  else out = mark.file + ": ";
  out += "error: ";
  out += printable(message);  // never a raw escape sequence to the terminal
  if (mark.line > 0) {
    const std::string line = source_line(mark.file, mark.line);
    if (!line.empty()) {
      const auto [text, col] = window(printable(line), std::max(mark.column, 1));
      out += fmt::format("\n {:>4} | {}\n      | {}^", mark.line, text, std::string(col - 1, ' '));
    }
  }
  if (!note.empty()) {
    out += "\nnote: ";
    out += printable(note);
  }
  return out;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), 0);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

InputError::InputError(SourceMark mark, std::string element, std::string message, std::string note)
    : std::runtime_error(format_message(mark, message, note)),
      mark_(std::move(mark)),
      element_(std::move(element)),
      message_(std::move(message)),
      note_(std::move(note)) {}

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = 3;
  for (const auto& candidate : candidates) {
    const std::size_t d = edit_distance(word, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

std::string suggestion_note(const std::string& word, const std::vector<std::string>& candidates,
                            const std::string& what) {
  std::string note;
  if (const std::string best = closest_match(word, candidates); !best.empty())
    note = fmt::format("did you mean '{}'? ", best);
  return note + fmt::format("{}: {}", what, fmt::join(candidates, ", "));
}

}  // namespace clustersim
