// SPDX-License-Identifier: Apache-2.0
// The two scans mirror, rule for rule, the tokenizer of Boost.Graph's read_graphviz_new.cpp
// (Boost 1.74: regexes for skipped text, identifiers, punctuation, numbers, quoted and HTML
// strings) and rapidxml's recursive descent as property_tree uses it (names, attributes,
// comments, CDATA, processing instructions, DOCTYPE). Where the parser would throw, the scan
// stops: nothing after that point is ever parsed.
#include "topologies/nesting_check.hpp"

#include <algorithm>
#include <cstring>

namespace clustersim::topo {
namespace {

constexpr std::size_t npos = std::string::npos;

/// A view of the text that reads '\0' past its end, as the parsers' C-string loops do.
class Text {
 public:
  Text(const std::string& text, std::size_t end) : text_(text), end_(end) {}
  char operator[](std::size_t i) const { return i < end_ ? text_[i] : '\0'; }
  std::size_t size() const { return end_; }
  bool starts(std::size_t i, const char* s) const {
    const std::size_t n = std::strlen(s);
    return i + n <= end_ && text_.compare(i, n, s) == 0;
  }
  /// The offset just past the first `s` at or after `from`, or npos.
  std::size_t past(std::size_t from, const char* s) const {
    const std::size_t found = text_.find(s, from);
    return found == npos || found + std::strlen(s) > end_ ? npos : found + std::strlen(s);
  }

 private:
  const std::string& text_;
  std::size_t end_;
};

// --- DOT, as Boost's regexes read it (classic "C" locale character classes) ---

bool dot_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }
bool line_separator(char c) { return c == '\n' || c == '\r' || c == '\f'; }
bool alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool digit(char c) { return c >= '0' && c <= '9'; }
bool word(char c) { return alpha(c) || digit(c) || c == '_'; }

class DotScanner {
 public:
  explicit DotScanner(const std::string& text) : t_(text, text.size()) {}

  enum class Token { open, close, other, end };

  /// The next token's kind; its offset in `at`. `end` at the end of the text or where Boost's
  /// tokenizer throws.
  Token next(std::size_t& at) {
    skip();
    at = p_;
    if (p_ >= t_.size()) return Token::end;
    const char c = t_[p_];
    if (alpha(c) || c == '_') {
      while (word(t_[p_])) ++p_;
      return Token::other;
    }
    if (c == '{' || c == '}') {
      ++p_;
      return c == '{' ? Token::open : Token::close;
    }
    if (c != '\0' && std::strchr("[];=,:+()@", c)) {
      ++p_;
      return Token::other;
    }
    if (c == '-' && (t_[p_ + 1] == '>' || t_[p_ + 1] == '-')) {
      p_ += 2;
      return Token::other;
    }
    if (number()) return Token::other;
    if (c == '"') return quoted() ? Token::other : Token::end;
    if (c == '<') return html() ? Token::other : Token::end;
    return Token::end;
  }

 private:
  // Boost's `$`: at the end, or before a line separator other than the \n of \r\n.
  bool line_end(std::size_t q) const {
    return q >= t_.size() || (line_separator(t_[q]) && !(t_[q] == '\n' && t_[q - 1] == '\r'));
  }
  std::size_t end_of_line(std::size_t q) const {
    while (!line_end(q)) ++q;
    return q;
  }

  // \A(?:\s+|//.*?$|/\*.*?\*/|^#.*?$|\\\n)* : `^` holds where the skip starts (Boost passes no
  // match_prev_avail) and after a line separator.
  void skip() {
    const std::size_t start = p_;
    for (;;) {
      if (p_ < t_.size() && dot_space(t_[p_])) {
        while (p_ < t_.size() && dot_space(t_[p_])) ++p_;
      } else if (t_.starts(p_, "//")) {
        p_ = end_of_line(p_ + 2);
      } else if (t_.starts(p_, "/*") && t_.past(p_ + 2, "*/") != npos) {
        p_ = t_.past(p_ + 2, "*/");
      } else if (p_ < t_.size() && t_[p_] == '#' && (p_ == start || line_separator(t_[p_ - 1]))) {
        p_ = end_of_line(p_ + 1);
      } else if (t_.starts(p_, "\\\n")) {
        p_ += 2;
      } else {
        return;
      }
    }
  }

  // [-]?(?:\.\d+|\d+(?:\.\d*)?)
  bool number() {
    std::size_t q = p_ + (t_[p_] == '-' ? 1 : 0);
    if (t_[q] == '.' && digit(t_[q + 1])) {
      for (++q; digit(t_[q]);) ++q;
    } else if (digit(t_[q])) {
      while (digit(t_[q])) ++q;
      if (t_[q] == '.')
        for (++q; digit(t_[q]);) ++q;
    } else {
      return false;
    }
    p_ = q;
    return true;
  }

  // "(?:[^"\\]|\\.)*" ; without its closing quote Boost finds no token here and throws.
  bool quoted() {
    for (std::size_t q = p_ + 1; q < t_.size(); ++q) {
      if (t_[q] == '"') {
        p_ = q + 1;
        return true;
      }
      if (t_[q] == '\\' && ++q >= t_.size()) return false;
    }
    return false;
  }

  // \A<(/?)(?:[^!?'"]|'[^']*?'|"[^"]*?")*?(/?)> at `q`: the offset past it and +1 for an opening
  // tag, -1 for a closing one, 0 for an empty one; npos if it does not match.
  std::size_t tag(std::size_t q, int& change) const {
    std::size_t j = q + 1;
    const bool closing = t_[j] == '/';
    if (closing) ++j;
    for (; j < t_.size(); ++j) {
      const char c = t_[j];
      if (c == '/' && t_[j + 1] == '>') {
        change = closing ? -1 : 0;
        return j + 2;
      }
      if (c == '>') {
        change = closing ? -1 : 1;
        return j + 1;
      }
      if (c == '!' || c == '?') return npos;
      if (c == '\'' || c == '"') {
        const char quote[2] = {c, '\0'};
        const std::size_t after = t_.past(j + 1, quote);
        if (after == npos) return npos;
        j = after - 1;
      }
    }
    return npos;
  }

  // Boost's HTML string: tags and CDATA sections, text between them, until the tags balance.
  bool html() {
    int counter = 0;
    do {
      if (p_ >= t_.size()) return false;
      if (t_[p_] != '<') {
        ++p_;
        continue;
      }
      int change = 0;
      if (const std::size_t after = tag(p_, change); after != npos) {
        p_ = after;
        counter += change;
        continue;
      }
      if (!t_.starts(p_, "<![CDATA[")) return false;
      p_ = t_.past(p_ + 9, "]]>");
      if (p_ == npos) return false;
    } while (counter > 0);
    return true;
  }

  Text t_;
  std::size_t p_ = 0;
};

// --- XML, as rapidxml reads it (its lookup tables for whitespace, names and attribute names) ---

bool xml_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool name_char(char c) { return c != '\0' && !xml_space(c) && c != '/' && c != '>' && c != '?'; }
bool attribute_name_char(char c) { return name_char(c) && c != '!' && c != '<' && c != '='; }

/// Past the node that starts after `<` at `i` when it is not an element (comment, CDATA, PI,
/// declaration, DOCTYPE), or npos on an error; `i` itself when it is an element.
std::size_t past_other_node(const Text& t, std::size_t i) {
  if (t[i] == '?') return t.past(i + 1, "?>");
  if (t[i] != '!') return i;
  if (t[i + 1] == '-' && t[i + 2] == '-') return t.past(i + 3, "-->");
  if (t.starts(i, "![CDATA[")) return t.past(i + 8, "]]>");
  std::size_t j = i + 1;
  const bool doctype = t.starts(i, "!DOCTYPE") && xml_space(t[i + 8]);
  if (doctype) j = i + 9;
  while (t[j] != '>') {
    if (t[j] == '\0') return npos;
    if (doctype && t[j] == '[') {
      for (int depth = 1; depth > 0; ++j) {
        if (t[j + 1] == '\0') return npos;
        depth += t[j + 1] == '[' ? 1 : t[j + 1] == ']' ? -1 : 0;
      }
    }
    ++j;
  }
  return j + 1;
}

/// Past the start tag whose name begins at `i`, or npos on an error; `opens` is false for `<a/>`.
std::size_t past_start_tag(const Text& t, std::size_t i, bool& opens) {
  std::size_t j = i;
  while (name_char(t[j])) ++j;
  if (j == i) return npos;
  while (xml_space(t[j])) ++j;
  while (attribute_name_char(t[j])) {
    while (attribute_name_char(t[j])) ++j;
    while (xml_space(t[j])) ++j;
    if (t[j] != '=') return npos;
    for (++j; xml_space(t[j]);) ++j;
    const char quote = t[j];
    if (quote != '\'' && quote != '"') return npos;
    for (++j; t[j] != quote; ++j)
      if (t[j] == '\0') return npos;
    for (++j; xml_space(t[j]);) ++j;
  }
  opens = t[j] == '>';
  if (opens) return j + 1;
  return t[j] == '/' && t[j + 1] == '>' ? j + 2 : npos;
}

}  // namespace

std::optional<std::size_t> dot_nesting_beyond(const std::string& text, int max_depth) {
  DotScanner scanner(text);
  int depth = 0;
  std::size_t at = 0;
  for (auto token = scanner.next(at); token != DotScanner::Token::end; token = scanner.next(at)) {
    if (token == DotScanner::Token::open && ++depth > max_depth) return at;
    if (token == DotScanner::Token::close && --depth < 0) return std::nullopt;  // Boost throws here
  }
  return std::nullopt;
}

std::optional<std::size_t> xml_nesting_beyond(const std::string& text, int max_depth) {
  const Text t(text, std::min(text.find('\0'), text.size()));  // rapidxml reads up to a NUL
  std::size_t i = t.starts(0, "\xEF\xBB\xBF") ? 3 : 0;
  int depth = 0;
  while (i != npos) {
    if (depth == 0) {  // between top-level nodes: whitespace, then `<` or the end
      while (xml_space(t[i])) ++i;
      if (t[i] != '<') return std::nullopt;
    } else {  // element content: text up to `<`, which may close the element
      while (t[i] != '<' && t[i] != '\0') ++i;
      if (t[i] == '\0') return std::nullopt;
      if (t[i + 1] == '/') {
        for (i += 2; name_char(t[i]);) ++i;
        while (xml_space(t[i])) ++i;
        if (t[i] != '>') return std::nullopt;
        ++i;
        --depth;
        continue;
      }
    }
    const std::size_t start = i++;
    if (const std::size_t past = past_other_node(t, i); past != i) {
      i = past;
      continue;
    }
    bool opens = false;
    i = past_start_tag(t, i, opens);
    if (i != npos && opens && ++depth > max_depth) return start;
  }
  return std::nullopt;
}

}  // namespace clustersim::topo
