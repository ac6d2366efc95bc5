// SPDX-License-Identifier: Apache-2.0
// Reading an nccl-tests (or rccl-tests) output as the tool prints it: the header comments (the
// program, NCCL's version, one `#  Rank` line per GPU with its device) and the table, one row per
// size (size, count, type, redop, root, then time, algbw, busbw, #wrong out-of-place and again
// in-place). Text around the output (a shell prompt, a blog's prose) is skipped; a row that is cut
// short or holds a word where a number belongs is an error naming its line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "schemas/collective_sweep.hpp"

namespace clustersim::results {

struct NcclTestsRow {
  int line = 0;  ///< in the file, from 1
  std::int64_t size_bytes = 0;
  std::int64_t count = 0;
  std::string type;
  std::string redop;
  int root = -1;
  double time_s = 0;  ///< out-of-place
  double algbw_Bps = 0;
  double busbw_Bps = 0;
  double in_place_time_s = 0;  ///< 0 when the log has no in-place half
  double in_place_busbw_Bps = 0;
};

struct NcclTestsLog {
  std::string origin;
  /// From "# Collective test starting: all_gather_perf"; older versions do not print it.
  std::optional<CollectiveTest> test;
  std::string version;               ///< e.g. "nccl-tests 2.17.8, nccl-library 22902"; may be empty
  std::vector<std::string> devices;  ///< one per `#  Rank` line: the device's name, e.g. "NVIDIA H100 80GB HBM3"
  std::vector<NcclTestsRow> rows;
};

/// Throws: InputError at origin:line for a row cut short or not made of numbers where numbers
/// belong, or for a log without rows.
NcclTestsLog parse_nccl_tests_log(const std::string& text, const std::string& origin);

/// Reads the file (a regular file, at most kTextFileLimit) and parses it.
NcclTestsLog load_nccl_tests_log(const std::string& path);

}  // namespace clustersim::results
