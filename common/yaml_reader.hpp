// SPDX-License-Identifier: Apache-2.0
// YamlReader: a small schema-checking layer over yaml-cpp shared by the scenario and device
// profile parsers. Every value travels as an Item — the node, its element path
// (`workload.context[2]`) and where it sits in the file — so that every complaint is an
// InputError with file:line:column (yaml-cpp counts from 0; we add 1), the element, what was
// expected and what was found. No yaml-cpp message ("bad conversion") reaches the user.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/input_error.hpp"

namespace clustersim::yaml {

/// A node of a parsed document with its element path and position. For an empty value
/// (`heads:` with nothing after it) the position is that of its key.
struct Item {
  YAML::Node node;
  std::string path;  ///< e.g. `workload.context[2]`; empty for the document root
  SourceMark mark;   ///< file, line and column counting from 1
};

/// Parses YAML text; `origin` (a path, or a name in angle brackets) names it in messages.
/// Throws: InputError at the syntax error's line and column.
Item parse_yaml(const std::string& text, const std::string& origin);

/// Reads (see read_text_file; `what` names the file, e.g. "scenario file") and parses the file at
/// `path`. Throws: InputError if it is not a regular file, is too large, or cannot be read or parsed.
Item load_yaml(const std::string& path, const std::string& what = "YAML file");

/// Throws: InputError at `item` with `message` (lowercase, no trailing period) and `note`.
[[noreturn]] void fail(const Item& item, const std::string& message, const std::string& note = {});

/// " in 'path'", or "" for the root: the suffix messages use to name an element.
std::string in_path(const std::string& path);

/// Requires `map` to be a map whose keys are unique and all in `allowed`.
/// Throws: InputError at the first unknown key ("did you mean ...") or repeated key.
void check_keys(const Item& map, const std::vector<std::string>& allowed);

/// One key of a map and its value.
struct Entry {
  std::string key;
  Item key_item;  ///< the key itself, to point at it
  Item value;
};

/// The entries of `map` in file order; none when `map` is not a map (see check_keys).
std::vector<Entry> entries(const Item& map);

/// The value of `key` in `map`, or nothing when the key is absent.
std::optional<Item> find(const Item& map, const std::string& key);

/// The value of `key` in `map`. Throws: InputError at the map when the key is missing.
Item require(const Item& map, const std::string& key);

/// The values of a sweepable key: a list's items (`path[i]`), or the item itself when it is a
/// single value. Throws: InputError for an empty list.
std::vector<Item> sweep_values(const Item& item);

/// A non-empty scalar's text. Throws: InputError for a list, map, empty value or "".
std::string as_string(const Item& item);

/// A finite number, e.g. `3350` or `1.5e3`. Throws: InputError, "expected a number, got 'x'".
double as_number(const Item& item);

/// A finite number > 0. Throws: InputError, "expected a positive number, got 'x'".
double as_positive_number(const Item& item);

/// An integer in [1, max], e.g. `16`; with `suffixes`, also `80k`, `1M`, `5.12M` (k = 1e3,
/// M = 1e6, G = 1e9; the result must be whole). Throws: InputError, "expected a positive
/// integer, got 'eighty'".
std::int64_t as_positive_integer(const Item& item, bool suffixes = false,
                                 std::int64_t max = std::numeric_limits<std::int64_t>::max());

/// `true` or `false` (YAML 1.2 spellings; yes/no/on/off are also accepted by yaml-cpp).
/// Throws: InputError, "expected true or false, got 'x'".
bool as_bool(const Item& item);

/// How a value reads in "got ..." messages: `'eighty'`, `a list`, `a map`, `nothing`.
std::string describe(const YAML::Node& node);

}  // namespace clustersim::yaml
