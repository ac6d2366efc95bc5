// SPDX-License-Identifier: Apache-2.0
// `clustersim block-trace`: block-selection traces for sparse fetch (strategy offload_sparse) —
// draw one with a chosen step-to-step locality, or replay one against GPU block caches of several
// sizes to see the hit rates they would have.
#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "common/atomic_file.hpp"
#include "model/block_trace.hpp"

namespace clustersim::cli {
namespace {

struct GenerateOptions {
  model::TraceGenerator spec;
  std::string out;
};

struct ReplayOptions {
  std::string trace;
  std::vector<std::int64_t> cache_blocks{16, 32, 64, 128, 256};
};

void run_generate(const GenerateOptions& options) {
  const std::string text = model::generate_block_trace(options.spec);
  if (options.out.empty() || options.out == "-") {
    std::fputs(text.c_str(), stdout);
    return;
  }
  write_file_atomically(options.out, text);
  std::printf("# %d rows written to %s\n", options.spec.steps * options.spec.layers * options.spec.head_groups,
              options.out.c_str());
}

void run_replay(const ReplayOptions& options) {
  const model::BlockTrace trace = model::read_block_trace(options.trace);
  std::size_t selections = 0;
  for (const auto& row : trace.rows) selections += row.blocks.size();
  std::printf("# block-selection trace %s: %zu rows, %zu selections\n", options.trace.c_str(), trace.rows.size(),
              selections);
  std::printf("# hit rate of an LRU cache per layer and head group (cold misses count)\n");
  std::printf("#%13s %10s\n", "cache_blocks", "hit_rate");
  for (std::int64_t cache : options.cache_blocks)
    std::printf("%14lld %10.4f\n", static_cast<long long>(cache), model::lru_hit_rate(trace, cache));
}

}  // namespace

void add_block_trace_command(CLI::App& app) {
  CLI::App* command = app.add_subcommand(
      "block-trace", "Block-selection traces for sparse fetch: generate one, or replay one against block caches");
  command->require_subcommand(1);

  auto generate = std::make_shared<GenerateOptions>();
  CLI::App* gen = command->add_subcommand("generate", "Draw a trace with a chosen step-to-step locality");
  gen->add_option("--steps", generate->spec.steps, "Decode steps (default 64)")->check(CLI::PositiveNumber);
  gen->add_option("--layers", generate->spec.layers, "Layers (default 32)")->check(CLI::PositiveNumber);
  gen->add_option("--head-groups", generate->spec.head_groups, "Head groups selecting on their own (default 1)")
      ->check(CLI::PositiveNumber);
  gen->add_option("--blocks", generate->spec.blocks, "Blocks in the context (default 1024)")
      ->check(CLI::PositiveNumber);
  gen->add_option("--budget", generate->spec.budget, "Blocks selected per row (default 32)")
      ->check(CLI::PositiveNumber);
  gen->add_option("--locality", generate->spec.locality,
                  "Chance that a block selected at one step is selected again at the next (default 0.8)")
      ->check(CLI::Range(0.0, 1.0));
  gen->add_option("--seed", generate->spec.seed, "Random seed (default 1); the same options give the same trace");
  gen->add_option("-o,--out", generate->out, "File to write (default: standard output)");
  gen->footer(
      "Format: scenarios/README.md, Block-selection traces.\n"
      "Example: clustersim block-trace generate --layers 32 --blocks 2000 --budget 32 --locality 0.9 -o trace.csv");
  gen->callback([generate] {
    if (generate->spec.budget > generate->spec.blocks) throw CLI::ValidationError("--budget", "cannot exceed --blocks");
    run_generate(*generate);
  });

  auto replay = std::make_shared<ReplayOptions>();
  CLI::App* rep = command->add_subcommand("replay", "The hit rates a trace gives GPU block caches of several sizes");
  rep->add_option("trace", replay->trace, "A block-selection trace (CSV)")->required();
  rep->add_option("--cache-blocks", replay->cache_blocks, "Cache sizes in blocks (default 16 32 64 128 256)")
      ->check(CLI::NonNegativeNumber);
  rep->footer("Example: clustersim block-trace replay trace.csv --cache-blocks 32 64");
  rep->callback([replay] { run_replay(*replay); });
}

}  // namespace clustersim::cli
