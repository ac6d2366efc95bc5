// SPDX-License-Identifier: Apache-2.0
// snprintf rather than a JSON library: the rank programs build with nothing but the compiler.
#include "programs/rank_common/report_line.hpp"

#include <cmath>
#include <cstdio>

namespace clustersim::live {
namespace {

std::string numbers_list(const std::vector<double>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    char value[40];
    std::snprintf(value, sizeof value, "%s%.9g", i ? "," : "", values[i]);
    out += value;
  }
  return out;
}

}  // namespace

std::string format_report_line(const ReportLine& r) {
  char error_text[40] = "null";  // a NaN output has no error value: JSON null, and the check fails
  if (!std::isnan(r.max_relative_error)) std::snprintf(error_text, sizeof error_text, "%.6g", r.max_relative_error);
  std::string json = std::string("{\"program\":\"") + r.program + "\",\"strategy\":\"" + r.strategy +
                     "\",\"ranks\":" + std::to_string(r.ranks) + ",\"context\":" + std::to_string(r.context);
  if (!r.dtype.empty()) json += ",\"dtype\":\"" + r.dtype + "\"";
  char numbers[160];
  std::snprintf(numbers, sizeof numbers, ",\"warmup\":%d,\"max_relative_error\":%s,\"tolerance\":%g,\"rep_seconds\":[",
                r.warmup, error_text, r.tolerance);
  json += numbers;
  json += numbers_list(r.rep_seconds) + "]";
  if (!r.kernel_seconds.empty())
    json += ",\"kernel_tokens\":" + std::to_string(r.kernel_tokens) + ",\"kernel_seconds\":[" +
            numbers_list(r.kernel_seconds) + "]";
  if (!r.rotation_seconds.empty())
    json += ",\"rotation_bytes\":" + numbers_list({r.rotation_bytes}) + ",\"rotation_seconds\":[" +
            numbers_list(r.rotation_seconds) + "]";
  if (!r.timeline.empty()) {
    json += ",\"timeline\":[";
    for (std::size_t i = 0; i < r.timeline.size(); ++i) {
      const TimelineSlice& s = r.timeline[i];
      char times[120];
      std::snprintf(times, sizeof times, ",%.9g,%.9g,%.9g]", s.start_s, s.end_s, s.bytes);
      json +=
          std::string(i ? "," : "") + "[" + std::to_string(s.rank) + ",\"" + s.name + "\",\"" + s.kind + "\"" + times;
    }
    json += "]";
  }
  return json + "}";
}

}  // namespace clustersim::live
