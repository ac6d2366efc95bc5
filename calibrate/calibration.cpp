// SPDX-License-Identifier: Apache-2.0
// The calibration run: plans each group for --quick or a full run, runs the groups in order
// (memory before decode, whose efficiency is relative to the memory figure), turns their
// repetitions into figures with spread, and writes everything at the end, so that an interrupted
// or failed run leaves the previous profile as it was.
#include "calibrate/calibration.hpp"

#include <signal.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "calibrate/decode_attention_sweep.hpp"
#include "calibrate/gemm_rate.hpp"
#include "calibrate/gpu_probe.hpp"
#include "calibrate/gpu_profile.hpp"
#include "calibrate/host_info.hpp"
#include "calibrate/measured_profile.hpp"
#include "calibrate/memory_bandwidth.hpp"
#include "calibrate/mpi_sweeps.hpp"
#include "common/atomic_file.hpp"
#include "common/input_error.hpp"
#include "common/mpi_launcher.hpp"

namespace clustersim::calibrate {
namespace {

constexpr double kMiB = 1 << 20;

/// The groups to run, in order, from `--only`'s names. decode brings memory along: its
/// efficiency is measured against the memory figure.
std::vector<CalibrationGroup> groups_to_run(const std::vector<std::string>& only) {
  std::vector<std::string> names;
  for (const CalibrationGroup group : calibration_groups()) names.push_back(to_string(group));
  std::set<CalibrationGroup> wanted;
  for (const std::string& name : only) {
    const auto known = std::find(names.begin(), names.end(), name);
    if (known == names.end())
      throw InputError({}, "--only", fmt::format("unknown calibration group '{}'", name),
                       suggestion_note(name, names, "groups"));
    wanted.insert(calibration_groups()[known - names.begin()]);
  }
  if (wanted.count(CalibrationGroup::decode)) wanted.insert(CalibrationGroup::memory);
  std::vector<CalibrationGroup> groups;
  for (const CalibrationGroup group : calibration_groups())
    if (only.empty() || wanted.count(group)) groups.push_back(group);
  return groups;
}

/// One line, short enough for the profile's `skipped` entry (launcher errors carry stderr tails).
std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  if (text.size() > 300) text = text.substr(0, 297) + "...";
  while (!text.empty() && (text.back() == ' ' || text.back() == ':')) text.pop_back();
  return text;
}

/// What the groups measured, collected as they finish.
struct Measurements {
  std::optional<MemoryBandwidthResult> memory;
  std::optional<GemmResult> gemm;
  std::optional<DecodeSweepResult> decode;
  std::optional<MpiSweepResult> mpi;
  std::optional<GpuProbeResult> gpu;
  std::map<std::string, std::string> raw_files;  ///< name beside the profile -> content
  std::vector<std::string> skipped;
  std::map<CalibrationGroup, std::string> why_skipped;
};

struct Plan {
  bool quick = false;
  int ranks = 1;
  HostInfo host;
  TimingPlan timing;
};

std::vector<int> memory_thread_counts(const Plan& plan) {
  std::set<int> counts{1, plan.ranks, plan.host.cores};
  if (!plan.quick)
    for (int n = 2; n < plan.host.cores; n = plan.host.cores <= 16 ? n + 1 : n * 2) counts.insert(n);
  return {counts.begin(), counts.end()};
}

void run_memory(const Plan& plan, Measurements& m, const std::function<void(const std::string&)>& progress) {
  // STREAM's rule: each array at least 4x the last-level cache, capped to keep the run short and
  // the memory needed modest; the source says so when the cap bites.
  const double llc = plan.host.last_level_cache_bytes > 0 ? plan.host.last_level_cache_bytes : 32 * kMiB;
  const double cap = (plan.quick ? 256 : 1024) * kMiB;
  const double array_bytes = std::clamp(4 * llc, 64 * kMiB, cap);
  MemoryBandwidthResult r = measure_memory_bandwidth({.thread_counts = memory_thread_counts(plan),
                                                      .ranks = plan.ranks,
                                                      .array_bytes = array_bytes,
                                                      .timing = plan.timing},
                                                     progress);
  if (array_bytes < 4 * llc)
    r.method += fmt::format(" (below STREAM's 4x the {:.0f} MiB last-level cache the C library reports)", llc / kMiB);
  m.raw_files["memory_bandwidth.csv"] = r.csv;
  m.memory = std::move(r);
}

void run_gemm(const Plan& plan, Measurements& m, const std::function<void(const std::string&)>& progress) {
  std::vector<GemmShape> shapes;
  // Square shapes stand for prefill and weight GEMMs, skinny ones (few rows) for decode; the
  // skinny ones stay in gemm.csv for the record, memory-bound (see compute_efficiency_points).
  for (int n : plan.quick ? std::vector<int>{128, 512, 1024} : std::vector<int>{64, 128, 256, 512, 1024, 2048})
    shapes.push_back({n, n, n});
  const int wide = plan.quick ? 2048 : 4096;
  for (int rows : plan.quick ? std::vector<int>{1, 16} : std::vector<int>{1, 4, 16, 64})
    shapes.push_back({rows, wide, wide});
  GemmResult r = measure_gemm({.shapes = shapes, .timing = plan.timing}, progress);
  m.raw_files["gemm.csv"] = r.csv;
  m.gemm = std::move(r);
}

/// The decode sweep on Llama-3 8B and 70B's cache rows: 8 KV heads of 128, in fp32 8 KiB of K
/// and V per token (rows of one head, 1 KiB, stream measurably slower through the token-major
/// kernel; calibrate/README.md gives the measurement).
/// One query head per KV head: the least arithmetic per byte, so the sweep measures the memory
/// side that the efficiency curve stands for; the roofline charges a larger GQA group's FLOPs.
DecodeSweepPlan decode_plan(const Plan& plan, std::vector<std::int64_t> contexts) {
  return {.shape = {.batch = 1, .heads = 8, .kv_heads = 8, .head_dim = 128},
          .contexts = std::move(contexts),
          .ranks = plan.ranks,
          .timing = plan.timing,
          .cold_bytes = 2 * std::max(plan.host.last_level_cache_bytes, 64.0 * kMiB)};
}

constexpr std::int64_t kLargestDecodeContext = 32768;  // 256 MiB per rank

void run_decode(const Plan& plan, Measurements& m, const std::function<void(const std::string&)>& progress) {
  // 8 to 32k tokens span 64 KiB to 256 MiB per rank, from cache-resident to far beyond any
  // cache, also with --quick (fewer sizes): the small sizes pin the fit's intercept (the fixed
  // cost), the large ones the bandwidth a rank reaches on shards of long contexts.
  std::vector<std::int64_t> contexts;
  for (std::int64_t tokens = 8; tokens <= kLargestDecodeContext; tokens *= plan.quick ? 4 : 2)
    contexts.push_back(tokens);
  DecodeSweepResult r = measure_decode_attention(decode_plan(plan, contexts), progress);
  if (!r.check_passed)
    throw std::runtime_error(
        fmt::format("the kernel's output differs from the double-precision reference (max "
                    "relative error {:.2g} > {:.0e}): its figures are not used",
                    r.check_error, kDecodeCheckTolerance));
  m.raw_files["decode_attention.csv"] = r.csv;
  m.decode = std::move(r);
}

void run_mpi(const Plan& plan, Measurements& m, const std::function<void(const std::string&)>& progress) {
  const std::filesystem::path probe = program_beside_clustersim("clustersim_mpi_probe");
  if (!std::filesystem::exists(probe))
    throw std::runtime_error(fmt::format("{} not found (build the clustersim_mpi_probe target)", probe.string()));
  const int ranks = std::max(2, plan.ranks);
  progress(fmt::format("ping-pong, exchange and allreduce, {} ranks, 8 B to 64 MiB (one mpirun job)", ranks));
  // Up to 64 MiB with --quick too: the large sizes set the bandwidth that ring attention's
  // shards see, past the caches, and a few calls of each take well under a second.
  MpiSweepResult r = measure_mpi({.probe = probe.string(),
                                  .ranks = ranks,
                                  .max_bytes = 64ll << 20,
                                  .repetitions = plan.timing.repetitions,
                                  .timeout = std::chrono::seconds(plan.quick ? 120 : 900)});
  for (const std::string& line : r.table) progress(line);
  m.raw_files["mpi_p2p.csv"] = r.p2p_csv;
  m.raw_files["mpi_exchange.csv"] = r.exchange_csv;
  m.raw_files["mpi_allreduce.csv"] = r.allreduce_csv;
  m.mpi = std::move(r);
}

void run_cuda(const Plan& plan, Measurements& m, const std::function<void(const std::string&)>& progress) {
  const std::filesystem::path probe = program_beside_clustersim("clustersim_gpu_probe");
  progress(std::filesystem::exists(probe) ? "running " + probe.string() : "no clustersim_gpu_probe beside clustersim");
  GpuProbeResult r = run_gpu_probe(probe, plan.quick);
  if (!r.ran) throw std::runtime_error(r.why_not);
  // Prefixed: the probe's gemm.csv and decode_attention.csv would overwrite the CPU group's.
  for (const auto& [name, text] : r.files) m.raw_files["gpu_" + name] = text;
  m.gpu = std::move(r);
}

/// A figure a skipped group should have measured: the profile still loads, and simulate warns
/// whenever it uses it.
/// `placeholder` is in SI units, `as_written` the same in the file's (e.g. "1 TFLOPS").
model::Figure not_measured(double placeholder, const std::string& as_written, CalibrationGroup group,
                           const Measurements& m) {
  const auto why = m.why_skipped.find(group);
  const std::string reason = why == m.why_skipped.end() ? fmt::format("group {} was not run", to_string(group))
                                                        : fmt::format("{} skipped", to_string(group));
  return {.value = placeholder,
          .source = fmt::format("not measured ({}); placeholder {} so the profile loads", reason, as_written),
          .flagged = fmt::format("not measured: {}", reason)};
}

/// A fitted intercept must be positive to be a time; below zero the sweep cannot resolve it.
void floor_intercept(model::Figure& figure, double fitted_s) {
  if (fitted_s > 0) return;
  figure.value = 0.01e-6;
  figure.flagged = fmt::format(
      "fit intercept {:.3g} us is not positive: the fixed cost is below what the sweep "
      "resolves; 0.01 us used",
      fitted_s * 1e6);
}

model::DeviceProfile make_profile(const Plan& plan, const std::vector<CalibrationGroup>& groups,
                                  const Measurements& m) {
  const HostInfo& host = plan.host;
  model::DeviceProfile p;
  p.name = measured_profile_name(host.hostname);
  p.provenance = "measured";
  p.description =
      fmt::format("{} (1 core per rank, {} ranks), measured by clustersim calibrate", host.cpu_model, plan.ranks);
  std::vector<std::string> ran;
  for (const CalibrationGroup group : groups)
    if (!m.why_skipped.count(group)) ran.push_back(to_string(group));
  p.measured = {
      {"host", host.hostname},
      {"date", utc_timestamp()},
      {"method", fmt::format("clustersim calibrate{}: Google Benchmark, {} repetitions of at least {} s, median; "
                             "groups measured: {}",
                             plan.quick ? " --quick" : "", plan.timing.repetitions, plan.timing.min_seconds,
                             ran.empty() ? "none" : fmt::format("{}", fmt::join(ran, ", ")))},
      {"cpu", fmt::format("{}, {} cores", host.cpu_model, host.cores)},
      {"gpu", m.gpu ? "measured separately: the gpu_*.yaml profile and gpu_*.csv files beside this one" : "none"},
      {"libraries", fmt::format("{}; {}", host.blas, m.mpi ? m.mpi->library : "MPI not measured")},
      {"ranks", std::to_string(plan.ranks)}};
  if (!m.skipped.empty()) p.measured.emplace("skipped", fmt::format("{}", fmt::join(m.skipped, "; ")));

  if (m.gemm) {
    const GemmRate& best = m.gemm->rates[m.gemm->best];
    p.dense_flops[model::DType::fp32] = figure_from(
        best.flops_per_s,
        fmt::format(
            "cblas_sgemm (OpenBLAS, 1 thread: a rank is one core), best of {} shapes at {}x{}x{} (raw: gemm.csv)",
            m.gemm->rates.size(), best.shape.m, best.shape.n, best.shape.k));
    p.compute_efficiency = {.value = 1,
                            .source =
                                "1: dense_TFLOPS is the best sgemm rate measured; compute_efficiency_curve "
                                "gives other kernel sizes"};
    p.compute_efficiency_curve = model::EfficiencyCurve{
        .points = compute_efficiency_points(*m.gemm),
        .source =
            "sgemm sweep, square shapes (the skinny ones are bound by memory): median rate / best rate by "
            "FLOPs (raw: gemm.csv)"};
  } else {
    p.dense_flops[model::DType::fp32] = not_measured(1e12, "1 TFLOPS", CalibrationGroup::gemm, m);
    p.compute_efficiency = not_measured(1, "1", CalibrationGroup::gemm, m);
  }

  double hbm_Bps = 0;
  if (m.memory && !m.memory->per_rank_triad_Bps.values.empty()) {
    p.hbm_bandwidth = figure_from(m.memory->per_rank_triad_Bps, m.memory->method + " (raw: memory_bandwidth.csv)");
    hbm_Bps = m.memory->per_rank_triad_Bps.median();
  } else {
    p.hbm_bandwidth = not_measured(1e9, "1 GB/s", CalibrationGroup::memory, m);
  }
  p.memory_capacity = {
      .value = host.memory_bytes / plan.ranks,
      .source = fmt::format("MemTotal / ranks (/proc/meminfo: {:.1f} GB / {})", host.memory_bytes / 1e9, plan.ranks)};

  if (m.decode && m.decode->points.size() >= 2) {
    const std::vector<DecodePoint>& points = m.decode->points;
    std::vector<Sample> medians;
    for (const DecodePoint& point : points) medians.push_back({point.bytes, point.seconds.median()});
    const LatencyBandwidthFit fit = fit_latency_bandwidth(medians);
    Repeated alphas;
    for (std::size_t r = 0; r < points.front().seconds.values.size(); ++r) {
      std::vector<Sample> sweep;
      for (const DecodePoint& point : points)
        if (r < point.seconds.values.size()) sweep.push_back({point.bytes, point.seconds.values[r]});
      alphas.values.push_back(fit_latency_bandwidth(sweep).latency_s);
    }
    p.launch_overhead = figure_from(
        alphas,
        fmt::format(
            "intercept alpha of the decode-attention sweep fit t = alpha + bytes/B, {} ranks at once, R^2 {:.4f} "
            "(raw: decode_attention.csv)",
            plan.ranks, fit.r_squared));
    p.launch_overhead.value = fit.latency_s;
    floor_intercept(p.launch_overhead, fit.latency_s);
    const double alpha = std::max(0.0, fit.latency_s);
    if (hbm_Bps > 0) {
      const auto efficiency = [&](double bytes, double seconds) {
        return seconds > alpha ? std::min(1.0, bytes / (hbm_Bps * (seconds - alpha))) : 1.0;
      };
      model::EfficiencyCurve curve{.source = fmt::format("decode-attention kernel sweep, {} ranks at once: bytes / "
                                                         "(hbm bandwidth x (t - alpha)) (raw: decode_attention.csv)",
                                                         plan.ranks)};
      for (const DecodePoint& point : points)
        curve.points.emplace_back(point.bytes, efficiency(point.bytes, point.seconds.median()));
      p.memory_efficiency_curve = curve;
      const DecodePoint& largest = points.back();
      p.memory_efficiency =
          figure_from(largest.seconds.map([&](double t) { return efficiency(largest.bytes, t); }),
                      fmt::format("decode-attention kernel at {} tokens ({:.0f} MiB per rank) / hbm_bandwidth (raw: "
                                  "decode_attention.csv)",
                                  largest.tokens, largest.bytes / kMiB));
    } else {
      p.memory_efficiency = not_measured(1, "1", CalibrationGroup::memory, m);
    }
  } else {
    p.launch_overhead = not_measured(1e-6, "1 us", CalibrationGroup::decode, m);
    p.memory_efficiency = not_measured(1, "1", CalibrationGroup::decode, m);
  }

  if (m.mpi) {
    const MpiSweepResult& mpi = *m.mpi;
    const double max_bytes = mpi.one_way_s.rbegin()->first;
    model::LinkFigures link;
    link.latency = figure_from(
        mpi.latency_s,
        fmt::format("MPI ping-pong 8 B..{:.0f} MiB between 2 ranks on this host, one way = round trip / 2, fit alpha "
                    "(raw: mpi_p2p.csv)",
                    max_bytes / kMiB));
    link.latency.value = mpi.fit.latency_s;
    floor_intercept(link.latency, mpi.fit.latency_s);
    // Bandwidth from the largest message, past the caches: what ring attention's shards (tens to
    // hundreds of MB) see; the fit's B is weighted by mid sizes that stay in cache.
    link.bandwidth =
        figure_from(one_way_plateau_Bps(mpi),
                    fmt::format("ping-pong of {:.0f} MiB: bytes / (one-way time - alpha)", max_bytes / kMiB));
    if (!mpi.exchange_s.empty())
      link.both_ways = figure_from(
          exchange_plateau_Bps(mpi),
          fmt::format("{:.0f} MiB sent both ways at once (two halves posted with MPI_Isend/Irecv, as a ring "
                      "rotation moves K and V): bytes / (time - alpha), per direction (raw: mpi_exchange.csv)",
                      mpi.exchange_s.rbegin()->first / kMiB));
    const Repeated extra = exchange_extra_latency_s(mpi);
    if (!extra.values.empty())
      link.both_ways_latency =
          figure_from(extra.map([&](double s) { return link.latency.value + s; }),
                      fmt::format("alpha + how much longer {:.0f} B take sent both ways at once than one way "
                                  "(raw: mpi_exchange.csv, mpi_p2p.csv)",
                                  mpi.exchange_s.begin()->first));
    link.r_squared = mpi.fit.r_squared;
    p.links[topo::LinkClass::shared_memory] = link;
  }
  return p;
}

/// Blocks SIGINT and SIGTERM while the files are written, so an interrupt cannot leave one
/// renamed and the next not; a pending signal takes effect when the block ends.
class InterruptsDeferred {
 public:
  InterruptsDeferred() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &set, &previous_);
  }
  ~InterruptsDeferred() { ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
  InterruptsDeferred(const InterruptsDeferred&) = delete;
  InterruptsDeferred& operator=(const InterruptsDeferred&) = delete;

 private:
  sigset_t previous_;
};

}  // namespace

bool can_recheck_decode_kernel(const model::DeviceProfile& profile) {
  // The CPU profiles calibration writes say so in their method; GPU profiles come from the probe.
  const auto ranks = profile.measured.find("ranks"), method = profile.measured.find("method");
  return profile.memory_efficiency_curve && ranks != profile.measured.end() && method != profile.measured.end() &&
         method->second.starts_with("clustersim calibrate");
}

std::optional<results::RateRecheck> recheck_decode_kernel(const model::DeviceProfile& profile,
                                                          double kv_bytes_per_rank) {
  if (!can_recheck_decode_kernel(profile)) return std::nullopt;
  Plan plan{.quick = true, .ranks = std::stoi(profile.measured.at("ranks")), .host = describe_host()};
  plan.timing = TimingPlan{.repetitions = 3, .min_seconds = 0.05};
  DecodeSweepPlan sweep = decode_plan(plan, {});
  const double token_bytes = 2.0 * sizeof(float) * sweep.shape.kv_heads * sweep.shape.head_dim;  // K and V
  sweep.contexts = {std::max<std::int64_t>(1, std::llround(kv_bytes_per_rank / token_bytes))};
  const DecodeSweepResult r = measure_decode_attention(sweep, [](const std::string&) {});
  if (!r.check_passed || r.points.empty()) return std::nullopt;
  const DecodePoint& point = r.points.front();
  return decode_kernel_rate(profile, point.bytes, point.seconds.median());
}

results::RateRecheck decode_kernel_rate(const model::DeviceProfile& profile, double bytes, double seconds) {
  const double efficiency =
      profile.memory_efficiency_curve ? profile.memory_efficiency_curve->at(bytes) : profile.memory_efficiency.value;
  return {.bytes = bytes,
          .profile_Bps = profile.hbm_bandwidth.value * efficiency,
          .now_Bps = bytes / std::max(seconds - profile.launch_overhead.value, 1e-12)};
}

const char* to_string(CalibrationGroup group) {
  switch (group) {
    case CalibrationGroup::memory: return "memory";
    case CalibrationGroup::gemm: return "gemm";
    case CalibrationGroup::decode: return "decode";
    case CalibrationGroup::mpi: return "mpi";
    case CalibrationGroup::cuda: return "cuda";
  }
  return "?";
}

const std::vector<CalibrationGroup>& calibration_groups() {
  static const std::vector<CalibrationGroup> groups{CalibrationGroup::memory, CalibrationGroup::gemm,
                                                    CalibrationGroup::decode, CalibrationGroup::mpi,
                                                    CalibrationGroup::cuda};
  return groups;
}

CalibrationSummary run_calibration(const CalibrationOptions& options) {
  const std::vector<CalibrationGroup> groups = groups_to_run(options.only);
  if (options.ranks < 0)
    throw InputError({}, "--ranks", fmt::format("--ranks must be 0 (one per core) or more, got {}", options.ranks));
  Plan plan{.quick = options.quick, .host = describe_host()};
  plan.ranks = options.ranks > 0 ? options.ranks : plan.host.cores;
  plan.timing = options.quick ? TimingPlan{.repetitions = 3, .min_seconds = 0.05}
                              : TimingPlan{.repetitions = 5, .min_seconds = 0.3};
  const std::filesystem::path out = options.out.empty() ? std::filesystem::path("results") / "calibration" /
                                                              (measured_profile_name(plan.host.hostname) + ".yaml")
                                                        : options.out;
  if (std::filesystem::is_directory(out))
    throw InputError({}, "--out", fmt::format("'{}' is a directory", out.string()),
                     fmt::format("give the profile's file name, e.g. {}",
                                 (out / (measured_profile_name(plan.host.hostname) + ".yaml")).string()));

  const std::filesystem::path dir = out.has_parent_path() ? out.parent_path() : std::filesystem::path(".");

  const auto say = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  Measurements m;
  using Runner = void (*)(const Plan&, Measurements&, const std::function<void(const std::string&)>&);
  struct GroupRun {
    const char* title;
    Runner run;
  };
  const std::map<CalibrationGroup, GroupRun> runners{{CalibrationGroup::memory, {"memory bandwidth", run_memory}},
                                                     {CalibrationGroup::gemm, {"GEMM", run_gemm}},
                                                     {CalibrationGroup::decode, {"decode attention", run_decode}},
                                                     {CalibrationGroup::mpi, {"MPI", run_mpi}},
                                                     {CalibrationGroup::cuda, {"CUDA", run_cuda}}};
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const CalibrationGroup group = groups[i];
    const std::string prefix = fmt::format("[{}/{}] {}", i + 1, groups.size(), runners.at(group).title);
    say(prefix);
    try {
      runners.at(group).run(plan, m, [&](const std::string& detail) { say(prefix + ": " + detail); });
    } catch (const std::exception& e) {
      m.why_skipped[group] = one_line(e.what());
      m.skipped.push_back(std::string(to_string(group)) + ": " + m.why_skipped[group]);
      say(prefix + ": skipped, " + m.why_skipped[group]);
    }
  }
  // The GPU gets a profile of its own beside the CPU's: it is another device.
  std::filesystem::path gpu_out;
  std::string gpu_text;
  if (m.gpu) {
    try {
      const model::DeviceProfile gpu = gpu_profile_from_summary(read_probe_summary(m.gpu->files.at("summary.txt")),
                                                                plan.host.hostname, utc_timestamp());
      gpu_out = dir / (gpu.name + ".yaml");
      gpu_text = measured_profile_text(gpu);
      say(fmt::format("[cuda] GPU profile: {}", gpu_out.string()));
    } catch (const std::exception& e) {
      m.skipped.push_back(
          fmt::format("cuda: no GPU profile ({}); the probe's files are beside this profile", one_line(e.what())));
    }
  }
  if (!m.memory && !m.gemm && !m.decode && !m.mpi)
    throw std::runtime_error(
        fmt::format("calibration measured nothing, no profile written: {}", fmt::join(m.skipped, "; ")));

  const std::string profile_text = measured_profile_text(make_profile(plan, groups, m));
  {
    InterruptsDeferred deferred;
    std::filesystem::create_directories(dir);
    for (const auto& [name, text] : m.raw_files) write_file_atomically(dir / name, text);
    if (!gpu_out.empty()) write_file_atomically(gpu_out, gpu_text);
    write_file_atomically(out, profile_text);
  }
  return {.profile = out, .gpu_profile = gpu_out, .skipped = m.skipped};
}

}  // namespace clustersim::calibrate
