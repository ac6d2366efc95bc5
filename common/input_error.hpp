// SPDX-License-Identifier: Apache-2.0
// InputError: a problem with something the user gave us (scenario, topology, profile, flag).
// It carries where the problem is and formats itself the GNU way (file:line:column: error: ...),
// with the offending source line and a caret when a line is known, and a note with candidates.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace clustersim {

/// Where an input problem sits. line/column count from 1; 0 means unknown.
struct SourceMark {
  std::string file;
  int line = 0;
  int column = 0;
};

/// An error in user input. what() is the full, human-readable message.
/// Exit code convention: input errors exit 2, run failures exit 1.
class InputError : public std::runtime_error {
 public:
  /// Builds the message `file:line:col: error: <message>` plus the source line, a caret and `note:`.
  /// `element` names the offending element by path (`workload.context[2]`, vertex `gpu7`).
  InputError(SourceMark mark, std::string element, std::string message, std::string note = {});

  const SourceMark& mark() const { return mark_; }
  const std::string& element() const { return element_; }
  const std::string& message() const { return message_; }
  const std::string& note() const { return note_; }

 private:
  SourceMark mark_;
  std::string element_;
  std::string message_;
  std::string note_;
};

/// The candidate closest to `word` within edit distance 2, or "" if none is that close.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

/// "did you mean 'x'? valid ...: a, b, c" — the note for an unknown name.
std::string suggestion_note(const std::string& word, const std::vector<std::string>& candidates,
                            const std::string& what = "valid keys");

}  // namespace clustersim
