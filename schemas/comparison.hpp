// SPDX-License-Identifier: Apache-2.0
// Prediction against measurement, case by case: the simulated latency of a scenario's case next
// to the median of its live repetitions, their spread, and the prediction's error, with the
// median and maximum |error| over the cases — as comparison.json, comparison.csv and a table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "schemas/results.hpp"

namespace clustersim::results {

/// A rate timed again, as calibration times it, against what a measured profile says of the
/// same size: the CPU decode kernel's (memory), or a ring rotation's (a link both ways). On a
/// shared machine the two differ by tens of percent from one minute to the next: a prediction
/// cannot be closer than that to a run made meanwhile.
struct RateRecheck {
  double bytes = 0;        ///< per rank and call
  double profile_Bps = 0;  ///< per rank: what the profile gives (decode: hbm bandwidth × memory efficiency there)
  double now_Bps = 0;      ///< per rank, all of the profile's ranks at once, cold caches
  double change_percent() const { return 100 * (now_Bps / profile_Bps - 1); }
};

struct ComparedCase {
  int index = 0;  ///< the scenario's case index, shared by both runs
  std::string topology;
  int gpus = 0;
  std::string strategy;
  std::int64_t context = 0;
  double predicted_s = 0;
  double measured_s = 0;  ///< median over the repetitions
  double measured_min_s = 0;
  double measured_max_s = 0;
  int repetitions = 0;
  double spread = 0;         ///< (max − min) / median of the repetitions
  double error_percent = 0;  ///< 100 · (predicted − measured) / measured
  /// The decode kernel alone on this case's shard, timed by its ranks between its steps, beside
  /// the profile's rate for that size (absent unless the profile is one calibration wrote here).
  std::optional<RateRecheck> kernel_in_case;
  /// For ring, one rotation of the shards alone, timed by its ranks before each step, against the
  /// exchange rate the profile gives the one measured link class the case crosses (absent when
  /// there is no rotation, or the topology crosses none or several measured classes).
  std::optional<RateRecheck> rotation_in_case;
  std::string rotation_link_class;
  /// The case predicted again with the decode kernel, and the rotated link, at those rates (the
  /// profile's figures scaled to them): the model's own error, the machine's drift taken out.
  std::optional<double> retimed_predicted_s;
  std::optional<double> retimed_error_percent;  ///< 100 · (that prediction − measured) / measured
};

struct Comparison {
  std::string scenario;
  std::string profile;  ///< the measured device profile the prediction used
  std::vector<ComparedCase> cases;
  double median_abs_error_percent = 0;  ///< over cases; 0 when there are none
  double max_abs_error_percent = 0;
  /// The same over the cases predicted again with the kernel their ranks timed (absent
  /// when none was).
  std::optional<double> retimed_median_abs_error_percent;
  std::optional<double> retimed_max_abs_error_percent;
  /// The decode kernel timed again after the live runs against the profile's figure: how far
  /// the machine itself moved while it was measured (absent unless calibration wrote the profile
  /// for a CPU).
  std::optional<RateRecheck> kernel_recheck;
};

/// 100 · (predicted − measured) / measured: the error every clustersim comparison states.
double error_percent(double predicted, double measured);
/// The median and the maximum of |error| over `errors` (in %), as {median, max}; {0, 0} when empty.
std::pair<double, double> abs_error_summary(std::vector<double> errors);

/// Joins the two runs of one scenario on the case index, keeping cases both ran ("ok").
Comparison compare(const Results& predicted, const Results& measured, const std::string& profile);
/// Adds the cases predicted again with the decode kernel their ranks timed (by case index)
/// to the comparison's cases, and their |error| median and max.
void add_retimed_predictions(Comparison& comparison, const Results& retimed_predicted);

std::string to_json_text(const Comparison& comparison);
std::string to_csv(const Comparison& comparison);
/// The terminal table, nccl-tests style, ending with the median and max |error|.
/// The rate's change from the profile's, in percent; none without a rate.
std::optional<double> change_percent(const std::optional<RateRecheck>& rate);

}  // namespace clustersim::results
