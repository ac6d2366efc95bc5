// SPDX-License-Identifier: Apache-2.0
// `clustersim calibrate`: measure this machine, write a measured profile and its raw sweeps,
// progress on stderr, a summary of the figures on stdout.
#include <cstdio>
#include <memory>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "calibrate/calibration.hpp"
#include "cli/commands.hpp"

namespace clustersim::cli {
namespace {

struct CalibrateCliOptions {
  std::string out;
  bool quick = false;
  std::vector<std::string> only;
  int ranks = 0;
  bool quiet = false;
};

void print_figure_row(const std::string& name, const YAML::Node& figure, const std::string& unit) {
  if (!figure || !figure.IsMap()) return;
  const std::string spread =
      figure["spread"] ? fmt::format("{:.1f} %", figure["spread"].as<double>() * 100) : std::string("-");
  const std::string flag = figure["flagged"] ? "  ! " + figure["flagged"].as<std::string>() : "";
  std::printf("  %-34s %12s %-6s %9s%s\n", name.c_str(), figure["value"].as<std::string>().c_str(), unit.c_str(),
              spread.c_str(), flag.c_str());
}

/// The figures as written in the profile, so what is shown is what the simulator will read.
void print_summary(const calibrate::CalibrationSummary& summary) {
  const YAML::Node profile = YAML::LoadFile(summary.profile.string());
  std::printf("# measured profile %s\n", profile["device"].as<std::string>().c_str());
  std::printf("  %-34s %12s %-6s %9s\n", "figure", "value", "unit", "spread");
  for (const auto& entry : profile["dense_TFLOPS"])
    print_figure_row("dense_TFLOPS." + entry.first.as<std::string>(), entry.second, "TFLOPS");
  print_figure_row("hbm_bandwidth_GBps (per rank)", profile["hbm_bandwidth_GBps"], "GB/s");
  print_figure_row("memory_GB (per rank)", profile["memory_GB"], "GB");
  print_figure_row("launch_overhead_us", profile["launch_overhead_us"], "us");
  print_figure_row("compute_efficiency", profile["compute_efficiency"], "");
  print_figure_row("memory_efficiency", profile["memory_efficiency"], "");
  for (const auto& link : profile["links"]) {
    const std::string name = "links." + link.first.as<std::string>();
    print_figure_row(name + ".latency_us", link.second["latency_us"], "us");
    print_figure_row(name + ".bandwidth_GBps", link.second["bandwidth_GBps"], "GB/s");
    print_figure_row(name + ".both_ways_GBps", link.second["both_ways_GBps"], "GB/s");
    print_figure_row(name + ".both_ways_latency_us", link.second["both_ways_latency_us"], "us");
  }
  for (const std::string& skipped : summary.skipped) std::printf("# skipped: %s\n", skipped.c_str());
  std::printf("# profile: %s (raw sweeps as CSV beside it)\n", summary.profile.c_str());
  std::printf("# use it: `device: %s` in a scenario, then clustersim simulate SCENARIO\n", summary.profile.c_str());
  if (!summary.gpu_profile.empty())
    std::printf("# GPU profile: %s (name it as `device:` in a GPU scenario)\n", summary.gpu_profile.c_str());
}

void run_calibrate(const CalibrateCliOptions& options) {
  calibrate::CalibrationOptions run{.out = options.out, .quick = options.quick, .only = options.only, .ranks = options.ranks};
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
  cmd->add_option("--only", options->only, "Run only these groups (repeatable, or comma-separated): "
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
