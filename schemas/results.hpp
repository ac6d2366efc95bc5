// SPDX-License-Identifier: Apache-2.0
// Results: the schema every run writes — one row per case — as results.json (versioned) and
// results.csv with the same numbers. Simulated and live runs share it, so validation is a join.
// The schema is documented in the README ("Results schema").
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/output_dir.hpp"
#include "model/strategy.hpp"
#include "sim/simulate.hpp"

namespace clustersim::results {

/// What happened to a case; results files spell it as to_string says.
enum class CaseStatus {
  ok,           ///< simulated, or run live
  oom,          ///< does not fit in device memory (or its host tier): not simulated, timing fields 0
  unsupported,  ///< live only: the case cannot run live (a strategy or dtype a backend lacks)
};

/// "ok", "oom", "unsupported".
const char* to_string(CaseStatus status);
/// The status a results file spells `text`. Throws: std::invalid_argument for another word.
CaseStatus case_status_from_string(const std::string& text);

/// "clustersim.results/1": bump when a field changes meaning or is removed.
extern const char* const kResultsSchema;

struct CaseResult {
  // What was asked.
  int index = 0;
  std::string scenario;
  std::string topology;  ///< file path or generator spec
  int gpus = 0;
  std::string strategy;  ///< StrategySpec::label()
  std::int64_t context = 0;
  int batch = 0;
  int heads = 0;
  int kv_heads = 0;
  int head_dim = 0;
  std::string dtype;
  std::string device;             ///< profile name
  std::string device_provenance;  ///< datasheet or measured
  /// Where the figures came from: `device` and `links.<class>` → datasheet, measured or assumption.
  std::map<std::string, std::string> figure_sources;
  CaseStatus status = CaseStatus::ok;  ///< what happened
  double latency_s = 0;
  double compute_s = 0;  ///< of the device that finished last
  double comm_s = 0;
  double exposed_comm_s = 0;
  double idle_s = 0;
  std::map<std::string, double> compute_s_by_category;  ///< its kernel time by purpose
  double bytes_per_device = 0;                          ///< most payload bytes sent by one device
  std::map<std::string, double> link_bytes_by_class;    ///< bytes on the wire per link class
  double peak_mem_bytes = 0;                            ///< largest per-device footprint
  model::MemoryUse peak_memory;                         ///< its breakdown
  double memory_capacity_bytes = 0;
  /// Offloading: the most bytes one host memory tier (a cpu's memory_GB) holds for the devices
  /// that share it, and that tier's capacity; 0 when nothing is offloaded.
  double host_mem_bytes = 0;
  double host_memory_capacity_bytes = 0;
  /// Offloading to disk: the same for the fullest disk tier (a disk's memory_GB).
  double disk_bytes = 0;
  double disk_capacity_bytes = 0;
  std::vector<sim::CollectiveRun> collectives;
  // End-to-end generation, for cases that name a model (empty `model` otherwise): one prefill
  // of `prompt_tokens`, then `new_tokens` - 1 decode steps; latency_s is then total_s.
  std::string model;
  std::int64_t prompt_tokens = 0;
  int new_tokens = 0;
  double prefill_s = 0;           ///< time to first token
  double decode_s_per_token = 0;  ///< mean over the decode steps
  double total_s = 0;
  bool fits_in_memory = true;
  double tokens_per_s = 0;                    ///< new_tokens / total_s
  std::int64_t longest_prompt_that_fits = 0;  ///< same model, strategy and GPUs, on this device
  /// batch × new_tokens / total_s: the tokens the whole batch generates per second (FlexGen's
  /// generation throughput)
  double throughput_tokens_per_s = 0;
  int largest_batch_that_fits = 0;  ///< same model, prompt, strategy and GPUs, on this device
  /// Tokens generated per USD of device time: throughput × 3600 / (gpus × the profile's
  /// price_per_hour_USD); 0 when the profile gives no price.
  double tokens_per_USD = 0;
  // Live runs (mode live): the step was timed `repetitions` times after warm-up; latency_s is
  // their median, these the fastest and the slowest, and the output's largest relative error
  // against the double-precision reference. Simulated rows leave them 0.
  int repetitions = 0;
  double latency_s_min = 0;
  double latency_s_max = 0;
  double output_max_relative_error = 0;
};

struct Results {
  std::string schema = kResultsSchema;
  std::string tool_version;
  std::string mode = "simulate";  ///< simulate or live
  std::string scenario;
  std::string scenario_origin;
  std::vector<CaseResult> cases;
};

/// `text` as one CSV field: quoted (quotes doubled) when it holds a comma, a quote or a newline.
std::string csv_field(const std::string& text);

/// The CSV columns, in order.
const std::vector<std::string>& csv_columns();
std::string to_json_text(const Results& results);
Results results_from_json_text(const std::string& text);
std::string to_csv(const Results& results);

/// Writes results.json, results.csv and `extra_files` (name -> content, e.g. a report) into `dir`
/// as one run's files (OutputDir::publish: staged, then renamed into place; only files clustersim
/// wrote are replaced). Throws: std::runtime_error on I/O failure.
void write_results(const Results& results, const OutputDir& dir,
                   const std::map<std::string, std::string>& extra_files = {});

}  // namespace clustersim::results
