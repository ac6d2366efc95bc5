// SPDX-License-Identifier: Apache-2.0
// Typed, located access to yaml-cpp documents. yaml-cpp's own conversions throw
// "bad conversion" without saying where or what; here every scalar is parsed by hand
// (std::from_chars, exact decimal suffixes) and every failure names file:line:column.
#include "common/yaml_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>

#include "common/read_file.hpp"
#include "common/text.hpp"

namespace clustersim::yaml {
namespace {

SourceMark mark_of(const YAML::Node& node, const std::string& origin, const SourceMark& fallback) {
  const YAML::Mark m = node.Mark();
  if (node.IsNull() || m.line < 0) return fallback;
  return {origin, m.line + 1, m.column + 1};
}

std::string child_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

// Parses `digits[.digits]` followed by an optional k/M/G suffix exactly (no floating point, so
// that 5.12M is 5120000 and not 5119999.999...). Returns nothing unless the value is whole.
std::optional<std::int64_t> parse_count(const std::string& text, bool suffixes) {
  std::string body = text;
  std::int64_t scale_digits = 0;
  if (suffixes && !body.empty()) {
    const char last = body.back();
    if (last == 'k') scale_digits = 3;
    if (last == 'M') scale_digits = 6;
    if (last == 'G') scale_digits = 9;
    if (scale_digits > 0) body.pop_back();
  }
  const std::size_t dot = body.find('.');
  std::string whole = body.substr(0, dot);
  std::string fraction = dot == std::string::npos ? "" : body.substr(dot + 1);
  if (dot != std::string::npos && scale_digits == 0) return std::nullopt;
  if (whole.empty()) return std::nullopt;
  const auto digits_only = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits_only(whole) || !digits_only(fraction)) return std::nullopt;
  if (dot != std::string::npos && fraction.empty()) return std::nullopt;
  // Drop trailing zeros of the fraction; what is left must fit in the suffix's digits.
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  if (static_cast<std::int64_t>(fraction.size()) > scale_digits) return std::nullopt;
  std::string digits = whole + fraction + std::string(scale_digits - fraction.size(), '0');
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size() - 1));
  if (digits.size() > 18) return std::nullopt;
  std::int64_t value = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return value;
}

}  // namespace

Item parse_yaml(const std::string& text, const std::string& origin) {
  try {
    return Item{YAML::Load(text), "", SourceMark{origin, 1, 1}};
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp stops at a fixed recursion depth (so deep nesting cannot overflow the stack) and
    // calls it a "bad file"; say what is wrong instead.
    throw InputError({origin, e.mark.line + 1, e.mark.column + 1}, "", "invalid YAML: lists and maps nested too deeply",
                     "a scenario or profile needs only a few levels of nesting");
  } catch (const YAML::Exception& e) {
    // e.msg is yaml-cpp's reason without its own "error at line" prefix.
    const int line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
    const int column = e.mark.column >= 0 ? e.mark.column + 1 : 0;
    throw InputError({origin, line, column}, "", "invalid YAML: " + e.msg);
  }
}

Item load_yaml(const std::string& path, const std::string& what) {
  return parse_yaml(read_text_file(path, what, kTextFileLimit), path);
}

void fail(const Item& item, const std::string& message, const std::string& note) {
  throw InputError(item.mark, item.path, message, note);
}

std::string in_path(const std::string& path) { return path.empty() ? "" : fmt::format(" in '{}'", path); }

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsSequence()) return node.size() == 0 ? "an empty list" : "a list";
  if (node.IsMap()) return "a map";
  return fmt::format("'{}'", node.Scalar());
}

void check_keys(const Item& map, const std::vector<std::string>& allowed) {
  if (!map.node.IsMap())
    fail(map, fmt::format("expected a map of keys, got {}{}", describe(map.node), in_path(map.path)),
         fmt::format("valid keys: {}", fmt::join(allowed, ", ")));
  std::vector<std::pair<std::string, int>> seen;
  for (const Entry& entry : entries(map)) {
    const std::string& name = entry.key;
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
      fail(entry.key_item, fmt::format("unknown key '{}'{}", name, in_path(map.path)), suggestion_note(name, allowed));
    const auto before = std::find_if(seen.begin(), seen.end(), [&](const auto& s) { return s.first == name; });
    if (before != seen.end())
      fail(entry.key_item, fmt::format("duplicate key '{}'{}", name, in_path(map.path)),
           fmt::format("first given at line {}", before->second));
    seen.emplace_back(name, entry.key_item.mark.line);
  }
}

std::vector<Entry> entries(const Item& map) {
  std::vector<Entry> out;
  if (!map.node.IsMap()) return out;
  for (auto it = map.node.begin(); it != map.node.end(); ++it) {
    const std::string key = it->first.Scalar();
    const std::string path = child_path(map.path, key);
    const SourceMark key_mark = mark_of(it->first, map.mark.file, map.mark);
    out.push_back(Entry{key, Item{it->first, path, key_mark},
                        Item{it->second, path, mark_of(it->second, map.mark.file, key_mark)}});
  }
  return out;
}

std::optional<Item> find(const Item& map, const std::string& key) {
  for (const Entry& entry : entries(map))
    if (entry.key == key) return entry.value;
  return std::nullopt;
}

Item require(const Item& map, const std::string& key) {
  if (!map.node.IsMap())
    fail(map, fmt::format("expected a map of keys, got {}{}", describe(map.node), in_path(map.path)));
  if (auto item = find(map, key)) return *item;
  fail(map, fmt::format("missing required key '{}'{}", key, in_path(map.path)));
}

std::vector<Item> sweep_values(const Item& item) {
  if (!item.node.IsSequence()) return {item};
  if (item.node.size() == 0)
    fail(item, fmt::format("expected at least one value, got an empty list{}", in_path(item.path)));
  std::vector<Item> out;
  for (std::size_t i = 0; i < item.node.size(); ++i) {
    const YAML::Node element = item.node[i];
    out.push_back(Item{element, fmt::format("{}[{}]", item.path, i), mark_of(element, item.mark.file, item.mark)});
  }
  return out;
}

std::string as_string(const Item& item) {
  if (!item.node.IsScalar() || item.node.Scalar().empty())
    fail(item, fmt::format("expected a non-empty string, got {}{}", item.node.IsScalar() ? "''" : describe(item.node),
                           in_path(item.path)));
  const std::string& text = item.node.Scalar();
  if (const auto at = first_control_character(text))
    fail(item,
         fmt::format("'{}' holds the control character {}{}", printable(text), describe_control_character(text, *at),
                     in_path(item.path)),
         "text in a scenario or profile is printed to terminals, CSV and HTML: only tab and newline may appear");
  return text;
}

double as_number(const Item& item) {
  if (item.node.IsScalar()) {
    const std::string& text = item.node.Scalar();
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc{} && end == text.data() + text.size() && std::isfinite(value)) return value;
  }
  fail(item, fmt::format("expected a number, got {}{}", describe(item.node), in_path(item.path)));
}

double as_positive_number(const Item& item) {
  const auto complain = [&] {
    fail(item, fmt::format("expected a positive number, got {}{}", describe(item.node), in_path(item.path)));
  };
  if (!item.node.IsScalar()) complain();
  const std::string& text = item.node.Scalar();
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value) || value <= 0) complain();
  return value;
}

std::int64_t as_positive_integer(const Item& item, bool suffixes, std::int64_t max) {
  std::optional<std::int64_t> value;
  if (item.node.IsScalar()) value = parse_count(item.node.Scalar(), suffixes);
  if (value && *value >= 1 && *value <= max) return *value;
  std::string note;
  if (suffixes)
    note = "write a whole number of tokens, optionally with a suffix: 80k = 80000, 1M = 1000000, 5.12M = 5120000";
  if (value && *value > max) note = fmt::format("the largest value allowed here is {}", max);
  fail(item, fmt::format("expected a positive integer, got {}{}", describe(item.node), in_path(item.path)), note);
}

bool as_bool(const Item& item) {
  bool value = false;
  if (item.node.IsScalar() && YAML::convert<bool>::decode(item.node, value)) return value;
  fail(item, fmt::format("expected true or false, got {}{}", describe(item.node), in_path(item.path)));
}

}  // namespace clustersim::yaml
