// SPDX-License-Identifier: Apache-2.0
// `clustersim calibrate`: measure this machine, write a measured profile and its raw sweeps,
// progress on stderr, a summary of the figures on stdout.
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "calibrate/calibration.hpp"
#include "cli/commands.hpp"
#include "model/device_profile.hpp"

namespace clustersim::cli {
namespace {

struct CalibrateCliOptions {
  std::string out;
  bool quick = false;
  std::vector<std::string> only;
  int ranks = 0;
  bool quiet = false;
};

void print_figure_row(const model::FigureInFile& f) {
  // The per-rank figures of a CPU profile say so: a rank is one core sharing the host's memory.
  const bool per_rank = f.key == "hbm_bandwidth_GBps" || f.key == "memory_GB";
  const std::string name = per_rank ? f.key + " (per rank)" : f.key;
  const std::string spread = f.figure.spread ? fmt::format("{:.1f} %", *f.figure.spread * 100) : std::string("-");
  const std::string flag = f.figure.flagged.empty() ? "" : "  ! " + f.figure.flagged;
  std::printf("  %-34s %12s %-6s %9s%s\n", name.c_str(), f.value.c_str(), f.unit.c_str(), spread.c_str(), flag.c_str());
}

/// The figures as read back from the profile written, so what is shown is what the simulator
/// will read.
void print_summary(const calibrate::CalibrationSummary& summary) {
  const model::DeviceProfile profile = model::load_device_profile(summary.profile.string());
  std::printf("# measured profile %s\n", profile.name.c_str());
  std::printf("  %-34s %12s %-6s %9s\n", "figure", "value", "unit", "spread");
  for (const model::FigureInFile& figure : profile.figures_in_file()) print_figure_row(figure);
  for (const std::string& skipped : summary.skipped) std::printf("# skipped: %s\n", skipped.c_str());
  std::printf("# profile: %s (raw sweeps as CSV beside it)\n", summary.profile.c_str());
  std::printf("# use it: `device: %s` in a scenario, then clustersim simulate SCENARIO\n", summary.profile.c_str());
  if (!summary.gpu_profile.empty())
    std::printf("# GPU profile: %s (name it as `device:` in a GPU scenario)\n", summary.gpu_profile.c_str());
}

void run_calibrate(const CalibrateCliOptions& options) {
  calibrate::CalibrationOptions run{
      .out = options.out, .quick = options.quick, .only = options.only, .ranks = options.ranks};
  if (!options.quiet) run.progress = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  print_summary(calibrate::run_calibration(run));
}

}  // namespace

void add_calibrate_command(CLI::App& app) {
  auto options = std::make_shared<CalibrateCliOptions>();
  CLI::App* cmd = app.add_subcommand("calibrate", "Measure this machine and write a measured device profile");
  cmd->add_option("--out", options->out,
                  "Profile file to write; the raw sweeps (CSV) go beside it\n"
                  "(default: results/calibration/cpu_<hostname>.yaml)");
  cmd->add_flag("--quick", options->quick, "Fewer sizes and repetitions: under a minute on 2 cores");
  cmd->add_option("--only", options->only,
                  "Run only these groups (repeatable, or comma-separated): "
                  "memory, gemm, decode, mpi, cuda")
      ->delimiter(',');
  cmd->add_option("--ranks", options->ranks,
                  "Ranks the per-rank figures are measured under, all running at once\n"
                  "(default: one per core; MPI uses at least 2)")
      ->check(CLI::Range(0, 1024));
  cmd->add_flag("-q,--quiet", options->quiet, "No progress lines on stderr");
  cmd->footer(
      "Groups (each one skipped with its reason when it cannot run; the others still run):\n"
      "  memory  STREAM-style copy and triad over 1..cores threads, arrays far larger than the cache;\n"
      "          hbm_bandwidth_GBps = triad total with --ranks threads at once / ranks\n"
      "  gemm    OpenBLAS sgemm on one thread (a rank is one core), square and skinny shapes;\n"
      "          dense_TFLOPS.fp32 = best rate, compute_efficiency_curve = rate / best by FLOPs\n"
      "  decode  the CPU decode-attention kernel (checked against a reference first) against context,\n"
      "          --ranks threads at once; fit t = a + bytes/B: launch_overhead_us = a,\n"
      "          memory_efficiency(_curve) = bytes / (hbm x (t - a)); runs memory too\n"
      "  mpi     clustersim_mpi_probe under mpirun: ping-pong, exchange (both ways at once) and\n"
      "          MPI_Allreduce, 8 B to 64 MiB (also with --quick); links.shared_memory: latency from the\n"
      "          ping-pong fit, bandwidth_GBps from the 64 MiB ping-pong, both_ways_GBps (per direction)\n"
      "          from the 64 MiB exchange\n"
      "  cuda    clustersim_gpu_probe when built with CUDA; its CSVs are kept beside the profile\n"
      "Every figure carries its spread over the repetitions; one above 10 % is flagged, and\n"
      "simulate warns when it uses a flagged figure. Files are written whole or not at all.\n"
      "\n"
      "Use the profile: in a scenario, `device: results/calibration/cpu_<host>.yaml`, with a\n"
      "cpu_host:ranks=N topology and workload dtype fp32, then `clustersim simulate SCENARIO`.\n"
      "\n"
      "Examples:\n"
      "  clustersim calibrate --quick\n"
      "  clustersim calibrate --only memory,decode --ranks 2 --out /tmp/cpu.yaml");
  cmd->callback([options] { run_calibrate(*options); });
}

}  // namespace clustersim::cli
