// SPDX-License-Identifier: Apache-2.0
#include "programs/gpu_probe/csv_table.hpp"

#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "kernels/cuda/cuda_resources.hpp"

namespace clustersim::gpu_probe {

using kernels::cuda::GpuError;

CsvTable::CsvTable(std::vector<std::string> columns) : columns_(std::move(columns)) {}

void CsvTable::add(std::vector<std::string> cells) {
  if (cells.size() != columns_.size()) throw std::logic_error("CsvTable: row of the wrong width");
  rows_.push_back(std::move(cells));
}

std::string CsvTable::text() const {
  std::string out;
  auto line = [&out](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) out += ',';
      out += cells[i];
    }
    out += '\n';
  };
  line(columns_);
  for (const auto& row : rows_) line(row);
  return out;
}

std::string num(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

void write_file_atomically(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
    file << text;
    file.close();
    if (!file) throw GpuError("cannot write " + tmp.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw GpuError("cannot rename " + tmp.string() + " to " + path.string() + ": " + ec.message());
}

}  // namespace clustersim::gpu_probe
