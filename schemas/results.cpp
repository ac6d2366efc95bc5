// SPDX-License-Identifier: Apache-2.0
// Results serialisation: JSON through nlohmann::json (doubles round-trip exactly), CSV with
// fixed columns and shortest round-trip number formatting, and the atomic directory write.
#include "schemas/results.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/text.hpp"
#include "sim/result_json.hpp"

namespace clustersim::model {
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MemoryUse, kv_shard, receive_buffers, partials, query_output, weights,
                                                activations, host_kv, disk_kv)
}

namespace clustersim::results {

const char* to_string(CaseStatus status) {
  switch (status) {
    case CaseStatus::ok: return "ok";
    case CaseStatus::oom: return "oom";
    case CaseStatus::unsupported: return "unsupported";
  }
  return "?";
}

CaseStatus case_status_from_string(const std::string& text) {
  for (const CaseStatus s : {CaseStatus::ok, CaseStatus::oom, CaseStatus::unsupported})
    if (text == to_string(s)) return s;
  throw std::invalid_argument("unknown case status '" + text + "' (ok, oom or unsupported)");
}

void to_json(nlohmann::json& j, CaseStatus status) { j = to_string(status); }
void from_json(const nlohmann::json& j, CaseStatus& status) { status = case_status_from_string(j.get<std::string>()); }

const char* const kResultsSchema = "clustersim.results/1";

// With defaults: a results file written before a field was added still reads.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(
    CaseResult, index, scenario, topology, gpus, strategy, context, batch, heads, kv_heads, head_dim, dtype, device,
    device_provenance, figure_sources, status, latency_s, compute_s, comm_s, exposed_comm_s, idle_s,
    compute_s_by_category, bytes_per_device, link_bytes_by_class, peak_mem_bytes, peak_memory, memory_capacity_bytes,
    collectives, model, prompt_tokens, new_tokens, prefill_s, decode_s_per_token, total_s, fits_in_memory, tokens_per_s,
    longest_prompt_that_fits, repetitions, latency_s_min, latency_s_max, output_max_relative_error, host_mem_bytes,
    host_memory_capacity_bytes, throughput_tokens_per_s, largest_batch_that_fits, tokens_per_USD, disk_bytes,
    disk_capacity_bytes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Results, schema, tool_version, mode, scenario, scenario_origin, cases)

namespace {

const std::vector<std::string> kLinkClasses{"nvlink", "xgmi", "pcie", "infiniband", "roce", "backplane"};

std::string number(double value) { return fmt::format("{}", value); }

/// Throws: std::runtime_error if `object[key]` is a number but not an integer that fits Int.
/// nlohmann's get<int>() casts a JSON float (undefined behaviour out of the int's range) and
/// narrows a wider integer silently; other types it refuses itself.
template <typename Int>
void check_integer(const nlohmann::json& object, const char* key, const std::string& where) {
  const auto found = object.find(key);
  if (found == object.end() || !found->is_number()) return;
  bool fits = false;
  if (found->is_number_unsigned())
    fits = found->get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<Int>::max());
  else if (found->is_number_integer())
    fits = found->get<std::int64_t>() >= std::numeric_limits<Int>::min() &&
           found->get<std::int64_t>() <= std::numeric_limits<Int>::max();
  if (!fits)
    throw std::runtime_error(fmt::format("{}: {} is {}, expected an integer from {} to {}", where, key, found->dump(),
                                         std::numeric_limits<Int>::min(), std::numeric_limits<Int>::max()));
}

/// The integer fields of every case and collective, checked before get<Results>() converts them.
void check_integers(const nlohmann::json& results) {
  const auto cases = results.find("cases");
  if (cases == results.end() || !cases->is_array()) return;
  for (std::size_t i = 0; i < cases->size(); ++i) {
    const nlohmann::json& c = (*cases)[i];
    const std::string where = fmt::format("cases[{}]", i);
    for (const char* key : {"index", "gpus", "batch", "heads", "kv_heads", "head_dim", "new_tokens", "repetitions",
                            "largest_batch_that_fits"})
      check_integer<int>(c, key, where);
    for (const char* key : {"context", "prompt_tokens", "longest_prompt_that_fits"})
      check_integer<std::int64_t>(c, key, where);
    const auto collectives = c.find("collectives");
    if (collectives == c.end() || !collectives->is_array()) continue;
    for (std::size_t k = 0; k < collectives->size(); ++k)
      check_integer<int>((*collectives)[k], "ranks", fmt::format("{}.collectives[{}]", where, k));
  }
}

/// Throws: std::runtime_error naming the element ("cases[3].latency_s") of the first value that
/// no results file holds: a number that is not finite or is negative (times, bytes, counts and
/// errors are all ≥ 0; JSON has no infinity, which nlohmann would write as null), or text with a
/// control character, which would reach the terminal, the CSV and the report's HTML raw.
void check_values(const nlohmann::json& j, const std::string& path) {
  const auto at = [&] { return path.empty() ? std::string("the file") : path; };
  switch (j.type()) {
    case nlohmann::json::value_t::object:
      for (const auto& [key, value] : j.items()) {
        const std::string element = path.empty() ? key : path + "." + key;
        if (first_control_character(key)) check_values(key, element);  // names the key's character
        check_values(value, element);
      }
      return;
    case nlohmann::json::value_t::array:
      for (std::size_t i = 0; i < j.size(); ++i) check_values(j[i], fmt::format("{}[{}]", path, i));
      return;
    case nlohmann::json::value_t::string: {
      const auto& text = j.get_ref<const std::string&>();
      if (const auto c = first_control_character(text))
        throw std::runtime_error(fmt::format("{} '{}' holds the control character {}", at(), printable(text),
                                             describe_control_character(text, *c)));
      return;
    }
    case nlohmann::json::value_t::number_float: {
      const double value = j.get<double>();
      if (!std::isfinite(value) || value < 0)
        throw std::runtime_error(fmt::format("{} is {}, expected a finite number >= 0", at(), value));
      return;
    }
    case nlohmann::json::value_t::number_integer:
      if (j.get<std::int64_t>() < 0)
        throw std::runtime_error(fmt::format("{} is {}, expected a number >= 0", at(), j.get<std::int64_t>()));
      return;
    default: return;
  }
}

/// Throws: std::runtime_error for a case whose figures contradict each other or its status.
void check_cases(const Results& results) {
  for (std::size_t i = 0; i < results.cases.size(); ++i) {
    const CaseResult& c = results.cases[i];
    const auto fail = [&](const std::string& why) {
      throw std::runtime_error(
          fmt::format("cases[{}] ({} GPUs, {}, context {}): {}", i, c.gpus, printable(c.strategy), c.context, why));
    };
    for (const auto& [name, value] :
         {std::pair{"gpus", std::int64_t{c.gpus}}, std::pair{"context", c.context},
          std::pair{"batch", std::int64_t{c.batch}}, std::pair{"heads", std::int64_t{c.heads}},
          std::pair{"kv_heads", std::int64_t{c.kv_heads}}, std::pair{"head_dim", std::int64_t{c.head_dim}}})
      if (value < 1) fail(fmt::format("{} is {}, expected at least 1", name, value));
    if (c.status == CaseStatus::ok && !(c.latency_s > 0)) fail("status ok with a latency_s of 0");
    if (c.repetitions > 0 && !(c.latency_s_min <= c.latency_s && c.latency_s <= c.latency_s_max))
      fail(fmt::format("the median latency_s {} is not between latency_s_min {} and latency_s_max {}", c.latency_s,
                       c.latency_s_min, c.latency_s_max));
  }
}

}  // namespace

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

const std::vector<std::string>& csv_columns() {
  static const std::vector<std::string> columns = [] {
    std::vector<std::string> c{
        "scenario", "topology",       "gpus",   "strategy",         "context",       "batch",     "heads",
        "kv_heads", "head_dim",       "dtype",  "device",           "status",        "latency_s", "compute_s",
        "comm_s",   "exposed_comm_s", "idle_s", "bytes_per_device", "peak_mem_bytes"};
    for (const auto& cls : kLinkClasses) c.push_back(cls + "_bytes");
    for (const char* e2e : {"model", "prompt_tokens", "new_tokens", "prefill_s", "decode_s_per_token", "total_s",
                            "fits_in_memory", "tokens_per_s", "longest_prompt_that_fits"})
      c.push_back(e2e);
    for (const char* live : {"repetitions", "latency_s_min", "latency_s_max", "output_max_relative_error"})
      c.push_back(live);
    for (const char* added : {"host_mem_bytes", "host_memory_capacity_bytes", "throughput_tokens_per_s",
                              "largest_batch_that_fits", "tokens_per_USD", "disk_bytes", "disk_capacity_bytes"})
      c.push_back(added);
    return c;
  }();
  return columns;
}

std::string to_json_text(const Results& results) {
  const nlohmann::json j = results;
  try {
    check_values(j, "");
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(
        fmt::format("cannot write results: {}: the device or topology figures are far outside a "
                    "physical range",
                    e.what()));
  }
  return j.dump(1) + "\n";
}

Results results_from_json_text(const std::string& text) {
  const nlohmann::json j = nlohmann::json::parse(text);
  if (j.value("schema", "") != kResultsSchema)
    throw std::runtime_error("not a " + std::string(kResultsSchema) + " file (schema '" + j.value("schema", "") + "')");
  check_integers(j);
  check_values(j, "");
  Results results = j.get<Results>();
  check_cases(results);
  return results;
}

std::string to_csv(const Results& results) {
  std::string out = fmt::format("{}\n", fmt::join(csv_columns(), ","));
  for (const CaseResult& c : results.cases) {
    std::vector<std::string> row{csv_field(c.scenario),
                                 csv_field(c.topology),
                                 number(c.gpus),
                                 csv_field(c.strategy),
                                 number(static_cast<double>(c.context)),
                                 number(c.batch),
                                 number(c.heads),
                                 number(c.kv_heads),
                                 number(c.head_dim),
                                 c.dtype,
                                 csv_field(c.device),
                                 to_string(c.status),
                                 number(c.latency_s),
                                 number(c.compute_s),
                                 number(c.comm_s),
                                 number(c.exposed_comm_s),
                                 number(c.idle_s),
                                 number(c.bytes_per_device),
                                 number(c.peak_mem_bytes)};
    for (const auto& cls : kLinkClasses) {
      const auto it = c.link_bytes_by_class.find(cls);
      row.push_back(number(it == c.link_bytes_by_class.end() ? 0.0 : it->second));
    }
    for (const std::string& cell : {csv_field(c.model),
                                    number(static_cast<double>(c.prompt_tokens)),
                                    number(c.new_tokens),
                                    number(c.prefill_s),
                                    number(c.decode_s_per_token),
                                    number(c.total_s),
                                    std::string(c.fits_in_memory ? "true" : "false"),
                                    number(c.tokens_per_s),
                                    number(static_cast<double>(c.longest_prompt_that_fits)),
                                    number(c.repetitions),
                                    number(c.latency_s_min),
                                    number(c.latency_s_max),
                                    number(c.output_max_relative_error),
                                    number(c.host_mem_bytes),
                                    number(c.host_memory_capacity_bytes),
                                    number(c.throughput_tokens_per_s),
                                    number(c.largest_batch_that_fits),
                                    number(c.tokens_per_USD),
                                    number(c.disk_bytes),
                                    number(c.disk_capacity_bytes)})
      row.push_back(cell);
    out += fmt::format("{}\n", fmt::join(row, ","));
  }
  return out;
}

void write_results(const Results& results, const OutputDir& dir,
                   const std::map<std::string, std::string>& extra_files) {
  std::map<std::string, std::string> files = extra_files;
  files["results.json"] = to_json_text(results);
  files["results.csv"] = to_csv(results);
  dir.publish(files);
}

}  // namespace clustersim::results
