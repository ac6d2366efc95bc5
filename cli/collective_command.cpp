// SPDX-License-Identifier: Apache-2.0
// `clustersim collective`: what nccl-tests would print for one collective on a topology, from the
// simulator — the same options where nccl-tests has them (-b, -e, -f, -d, -o), the same table on
// stdout, collective.json and collective.csv in --out, progress on stderr.
#include <cctype>
#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "common/input_error.hpp"
#include "common/output_dir.hpp"
#include "pipelines/collective_sweep.hpp"
#include "reports/nccl_tests_table.hpp"

namespace clustersim::cli {
namespace {

struct CollectiveOptions {
  std::string operation;
  std::string topology = "dgx_h100_cluster";
  int gpus = 0;
  std::string min_bytes = "8";
  std::string max_bytes = "128M";
  std::int64_t factor = 2;
  std::string data_type = "float";
  std::string reduction = "sum";
  std::string library = "nccl";
  std::string algorithm = "auto";
  std::string protocol = "auto";
  std::string out;
  bool quiet = false;
};

/// A size as nccl-tests reads one: a whole number with an optional K, M or G (powers of 1024).
std::int64_t parse_size(const std::string& text, const std::string& option) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  const std::string suffix = text.substr(digits);
  int shift = -1;
  if (suffix.empty()) shift = 0;
  else if (suffix == "K" || suffix == "k") shift = 10;
  else if (suffix == "M" || suffix == "m") shift = 20;
  else if (suffix == "G" || suffix == "g") shift = 30;
  if (digits == 0 || digits > 12 || shift < 0)
    throw InputError({}, option, fmt::format("{} '{}' is not a size", option, text),
                     "a whole number of bytes, optionally with K, M or G (x 1024, 1024^2, 1024^3), e.g. 8, 64K, 8G");
  return std::stoll(text.substr(0, digits)) << shift;
}

void run_collective(const CollectiveOptions& options) {
  pipelines::CollectiveSweepRequest request;
  request.test = *results::collective_test_from_string(options.operation);
  request.topology = options.topology;
  request.ranks = options.gpus;
  request.min_bytes = parse_size(options.min_bytes, "-b");
  request.max_bytes = parse_size(options.max_bytes, "-e");
  request.factor = options.factor;
  request.data_type = *results::data_type_from_string(options.data_type);
  request.reduction = options.reduction;
  request.settings = {.algorithm = *sim::algorithm_from_string(options.algorithm),
                      .protocol = *sim::protocol_from_string(options.protocol),
                      .library = *sim::library_from_string(options.library)};
  if (request.settings.library == sim::Library::mpi && (request.settings.algorithm != sim::Algorithm::automatic ||
                                                        request.settings.protocol != sim::Protocol::automatic))
    throw InputError({}, "--algo",
                     "--algo and --proto choose among NCCL's algorithms and protocols: not with --library mpi");
  try {
    pipelines::sweep_sizes(request.min_bytes, request.max_bytes, request.factor);
  } catch (const std::invalid_argument& e) { throw InputError({}, "-b", e.what()); }
  const OutputDir out = options.out.empty()
                            ? OutputDir::checked(default_output_dir("collective_" + options.operation), "--out")
                            : OutputDir::checked(options.out, "--out");
  if (!options.quiet)
    request.on_size_done = [](int done, int total) { std::fprintf(stderr, "\r[%d/%d] sizes simulated", done, total); };
  const results::CollectiveSweep sweep = pipelines::run_collective_sweep(request);
  if (!options.quiet) std::fputc('\n', stderr);
  out.publish({{"collective.json", results::to_json_text(sweep)}, {"collective.csv", results::to_csv(sweep)}});
  std::fputs(reports::format_nccl_tests_table(sweep).c_str(), stdout);
  std::printf("# results: %s and %s\n", (out.path() / "collective.json").c_str(),
              (out.path() / "collective.csv").c_str());
}

}  // namespace

void add_collective_command(CLI::App& app) {
  auto options = std::make_shared<CollectiveOptions>();
  CLI::App* cmd = app.add_subcommand("collective",
                                     "Simulate one collective over a range of sizes and print it as nccl-tests would");
  cmd->add_option("operation", options->operation, "The nccl-tests program without _perf")
      ->required()
      ->check(CLI::IsMember(results::collective_test_names()));
  cmd->add_option("--topology", options->topology,
                  "A graph file or a generator spec, as `topology show` takes (default: dgx_h100_cluster)");
  cmd->add_option("-g,--gpus", options->gpus, "Ranks, one per GPU: the topology's first N (default: all)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("-b,--minbytes", options->min_bytes, "Smallest size, e.g. 8, 64K, 1M (default: 8)");
  cmd->add_option("-e,--maxbytes", options->max_bytes, "Largest size (default: 128M)");
  cmd->add_option("-f,--stepfactor", options->factor, "Multiply the size by this from one row to the next (default 2)");
  cmd->add_option("-d,--datatype", options->data_type, "Element type (default: float)")
      ->check(CLI::IsMember(results::data_type_names()));
  cmd->add_option("-o,--op", options->reduction, "Reduction, a label only: each moves the same bytes (default sum)")
      ->check(CLI::IsMember({"sum", "prod", "max", "min", "avg"}));
  cmd->add_option("--library", options->library, "Whose collectives: nccl (default) or mpi (Open MPI 4.1)")
      ->check(CLI::IsMember(sim::library_names()));
  cmd->add_option("--algo", options->algorithm, "NCCL algorithm, as NCCL_ALGO forces one (default: auto, the tuner)")
      ->check(CLI::IsMember(sim::algorithm_names()));
  cmd->add_option("--proto", options->protocol, "NCCL protocol, as NCCL_PROTO forces one (default: auto)")
      ->check(CLI::IsMember(sim::protocol_names()));
  cmd->add_option("--out", options->out,
                  "Directory for collective.json and collective.csv (default: results/collective_<operation>)");
  cmd->add_flag("-q,--quiet", options->quiet, "No progress on stderr");
  cmd->footer(
      "Examples:\n"
      "  clustersim collective all_reduce -b 8 -e 8G -f 2                    # one DGX H100 node, 8 GPUs\n"
      "  clustersim collective all_gather --topology dgx_h100_cluster:nodes=2 -d bfloat16\n"
      "  clustersim collective all_reduce --topology rtx4090_box:gpus=4 --proto Simple\n"
      "Columns as nccl-tests prints them: size (B), count (elements), time (us), algbw and busbw (GB/s, 1e9 B);\n"
      "busbw = algbw x 2(n-1)/n for all_reduce, (n-1)/n for all_gather and reduce_scatter, 1 otherwise.\n"
      "In-place equals out-of-place (the model moves the same bytes); #wrong is N/A (no data is checked).");
  cmd->callback([options] { run_collective(*options); });
}

}  // namespace clustersim::cli
