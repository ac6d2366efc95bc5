// SPDX-License-Identifier: Apache-2.0
// The table's layout is nccl-tests' (src/common.cu prints it); rccl-tests prints the same. A line
// is a row when its first token is a whole number: the columns are then read by position.
#include "schemas/nccl_tests_log.hpp"

#include <charconv>
#include <sstream>

#include <fmt/format.h>

#include "common/input_error.hpp"
#include "common/read_file.hpp"
#include "common/text.hpp"

namespace clustersim::results {
namespace {

std::vector<std::string> tokens_of(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> tokens;
  for (std::string t; in >> t;) tokens.push_back(t);
  return tokens;
}

template <typename T>
bool read_number(const std::string& text, T& value) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc{} && end == text.data() + text.size();
}

bool is_whole_number(const std::string& text) {
  std::int64_t ignored = 0;
  return !text.empty() && read_number(text, ignored);
}

/// The value after `key` in a header line, e.g. after "nccl-library=".
std::string after(const std::string& line, const std::string& key) {
  const std::size_t at = line.find(key);
  if (at == std::string::npos) return {};
  const std::size_t start = at + key.size();
  return line.substr(start, line.find_first_of(" \t", start) - start);
}

}  // namespace

NcclTestsLog parse_nccl_tests_log(const std::string& text, const std::string& origin) {
  NcclTestsLog log{.origin = origin};
  std::istringstream in(text);
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const SourceMark mark{origin, number, 1};
    if (const auto c = first_control_character(line))
      throw InputError(mark, "line",
                       fmt::format("the line holds the control character {}", describe_control_character(line, *c)));
    const std::vector<std::string> tokens = tokens_of(line);
    if (tokens.empty()) continue;
    if (tokens[0] == "#" || tokens[0][0] == '#') {
      if (const std::string program = after(line, "Collective test starting: "); !program.empty()) {
        const std::string name = program.substr(0, program.rfind("_perf"));
        log.test = collective_test_from_string(name);
        if (!log.test)
          throw InputError(mark, "program", fmt::format("{} is not a collective clustersim simulates", program),
                           fmt::format("one of: {}", fmt::join(collective_test_names(), ", ")));
      }
      if (line.find("nccl-tests version") != std::string::npos ||
          line.find("rccl-tests version") != std::string::npos) {
        log.version = fmt::format("{} {}", line.find("rccl") != std::string::npos ? "rccl-tests" : "nccl-tests",
                                  after(line, "version "));
        if (const std::string library = after(line, "nccl-library="); !library.empty())
          log.version += ", nccl-library " + library;
      }
      if (tokens.size() >= 2 && tokens[1] == "Rank") {  // #  Rank  0 Group  0 Pid 1 on host device  0 [0x1a] NAME
        const std::size_t bus = line.find(']');
        log.devices.push_back(bus == std::string::npos ? std::string("?")
                                                       : line.substr(line.find_first_not_of(' ', bus + 1)));
      }
      continue;
    }
    if (!is_whole_number(tokens[0])) continue;  // prose, a prompt, a code fence
    if (tokens.size() != 13 && tokens.size() != 9)
      throw InputError(mark, "row",
                       fmt::format("a row of {} columns: nccl-tests prints 13 (size count type redop root, then time "
                                   "algbw busbw #wrong out-of-place and in-place)",
                                   tokens.size()),
                       "is the log cut short or two lines run together?");
    NcclTestsRow row{.line = number, .type = tokens[2], .redop = tokens[3]};
    double time_us = 0, algbw = 0, busbw = 0;
    const auto number_at = [&](std::size_t i, auto& value, const char* column) {
      if (!read_number(tokens[i], value))
        throw InputError({origin, number, static_cast<int>(line.find(tokens[i])) + 1}, column,
                         fmt::format("the {} column holds '{}', not a number", column, tokens[i]));
    };
    number_at(0, row.size_bytes, "size");
    number_at(1, row.count, "count");
    number_at(4, row.root, "root");
    number_at(5, time_us, "time");
    number_at(6, algbw, "algbw");
    number_at(7, busbw, "busbw");
    row.time_s = time_us * 1e-6;
    row.algbw_Bps = algbw * 1e9;
    row.busbw_Bps = busbw * 1e9;
    if (tokens.size() == 13) {
      double in_time_us = 0, in_algbw = 0, in_busbw = 0;
      number_at(9, in_time_us, "in-place time");
      number_at(10, in_algbw, "in-place algbw");
      number_at(11, in_busbw, "in-place busbw");
      row.in_place_time_s = in_time_us * 1e-6;
      row.in_place_busbw_Bps = in_busbw * 1e9;
    }
    if (row.size_bytes < 0 || row.count < 0 || !(row.time_s >= 0))
      throw InputError(mark, "row", "a negative size, count or time");
    log.rows.push_back(row);
  }
  if (log.rows.empty())
    throw InputError({origin}, "rows", "no nccl-tests table in this file: no row starts with a size in bytes",
                     "give the output of an nccl-tests or rccl-tests program, e.g. all_reduce_perf -b 8 -e 8G");
  return log;
}

NcclTestsLog load_nccl_tests_log(const std::string& path) {
  return parse_nccl_tests_log(read_text_file(path, "nccl-tests log", kTextFileLimit), path);
}

}  // namespace clustersim::results
