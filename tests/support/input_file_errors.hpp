// SPDX-License-Identifier: Apache-2.0
// Helpers for testing the errors of file readers (scenarios, profiles, models): write a text to
// a temporary file, load it, and return the InputError's message with the path shown as `FILE`,
// so that tests can assert the exact `FILE:line:column: error: ...` prefix.
#pragma once

#include <string>

#include <catch2/catch.hpp>

#include "common/input_error.hpp"
#include "support/scratch_dir.hpp"

namespace clustersim::testing {

/// `text` with the first `from` replaced by `to`; fails the test if `from` is absent.
inline std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

/// The message of the InputError `load(path)` throws for a file `name` holding `text`.
template <typename Load>
std::string load_error(const std::string& name, const std::string& text, Load load) {
  const TempFile file(name, text);
  try {
    load(file.path());
  } catch (const InputError& e) {
    std::string message = e.what();
    if (message.rfind(file.path(), 0) == 0) message.replace(0, file.path().size(), "FILE");
    return message;
  }
  FAIL("no InputError for:\n" << text);
  return {};
}

}  // namespace clustersim::testing
