// SPDX-License-Identifier: Apache-2.0
// clustersim: predict how long-context decoding strategies run on a GPU fabric.
// Exit codes: 0 success, 1 the run failed, 2 bad input or usage.
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <exception>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "build_config.hpp"
#include "cli/commands.hpp"
#include "common/input_error.hpp"
#include "common/interrupt.hpp"

int main(int argc, char** argv) {
  CLI::App app{"clustersim — simulate tree vs ring attention decoding on GPU cluster topologies (SimGrid)"};
  app.require_subcommand(1);
  app.set_version_flag("--version",
                       fmt::format("clustersim {} (CUDA {}, NCCL {})", CLUSTERSIM_VERSION,
                                   CLUSTERSIM_HAVE_CUDA ? "yes" : "no", CLUSTERSIM_HAVE_NCCL ? "yes" : "no"));
  app.footer(
      "Examples:\n"
      "  clustersim simulate                                   # the embedded default scenario\n"
      "  clustersim simulate scenarios/dgx_h100_tree_vs_ring.yaml --out results/dgx\n"
      "  clustersim report results/dgx/results.json results/mi300x/results.json\n"
      "  clustersim topology show dgx_h100_cluster:nodes=16\n"
      "  clustersim collective all_reduce -b 8 -e 8G              # as nccl-tests would print it\n"
      "  clustersim live scenarios/cpu_validation.yaml             # run the cases for real (MPI)\n"
      "  clustersim validate scenarios/cpu_validation.yaml         # predicted against measured\n"
      "  clustersim topology show topologies/rtx4090_box_4gpu.graphml --format dot | dot -Tsvg > box.svg\n"
      "  clustersim calibrate --quick                           # measure this machine: a device profile\n"
      "  clustersim block-trace generate --locality 0.9 -o t.csv   # a block-selection trace for sparse fetch\n"
      "Run 'clustersim <command> --help' for a command's options.");
  clustersim::cli::add_simulate_command(app);
  clustersim::cli::add_report_command(app);
  clustersim::cli::add_topology_command(app);
  clustersim::cli::add_collective_command(app);
  clustersim::cli::add_calibrate_command(app);
  clustersim::cli::add_live_command(app);
  clustersim::cli::add_validate_command(app);
  clustersim::cli::add_block_trace_command(app);
  clustersim::install_interrupt_handlers();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    if (code != 0) std::fputs("run 'clustersim <command> --help' for usage\n", stderr);
    return code == 0 ? 0 : 2;
  } catch (const clustersim::InputError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "clustersim: error: %s\n", e.what());
    return 1;
  } catch (const clustersim::Interrupted& interrupted) {
    // The jobs are stopped and the stack unwound (staging directories and emulated clusters are
    // gone); now die of the signal, so that a shell or a script sees what ended the run.
    std::fprintf(stderr, "clustersim: interrupted (SIG%s); nothing was written\n",
                 sigabbrev_np(interrupted.signal_number));
    ::signal(interrupted.signal_number, SIG_DFL);
    ::raise(interrupted.signal_number);
    return 128 + interrupted.signal_number;
  }
  if (const int signal_number = clustersim::interrupt_signal()) {  // it came after the last step, while writing
    std::fprintf(stderr, "clustersim: interrupted (SIG%s) after the results were written\n",
                 sigabbrev_np(signal_number));
    ::signal(signal_number, SIG_DFL);
    ::raise(signal_number);
  }
  return 0;
}
