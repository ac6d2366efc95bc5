// SPDX-License-Identifier: Apache-2.0
// The probe's raw outputs: one CSV table per sweep, written whole or not at all.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace clustersim::gpu_probe {

class CsvTable {
 public:
  explicit CsvTable(std::vector<std::string> columns);
  /// Appends one row. Throws std::logic_error when the cell count differs from the columns'.
  void add(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }
  /// Header line, then one line per row, comma-separated (cells hold no commas).
  std::string text() const;

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<std::string>> rows_;
};

/// A number with 6 significant digits, the same text on every run for the same value.
std::string num(double value);

/// Writes `text` to a temporary file beside `path`, then renames it over `path`, so readers never
/// see half a file. Throws GpuError when the write fails.
void write_file_atomically(const std::filesystem::path& path, const std::string& text);

}  // namespace clustersim::gpu_probe
