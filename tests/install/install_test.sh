#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The installed clustersim runs outside the source tree: installs the build into a temporary prefix,
# then from a temporary working directory, with CLUSTERSIM_DATA_DIR unset, runs it as a user would
# and checks that it reads its data from PREFIX/share/clustersim and starts its programs from
# PREFIX/lib/clustersim, never from the source tree or the build directory.
# Usage: install_test.sh CMAKE BUILD_DIR SOURCE_DIR (CTest runs it as `install_prefix`).
set -euo pipefail

cmake=$1 build=$2 src=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/clustersim_install_test_XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix data=$tmp/prefix/share/clustersim
bin=$prefix/bin/clustersim

fail() {
  echo "install_test: FAILED: $*" >&2
  for f in "$tmp"/work/*.txt; do [[ -f $f ]] && { echo "--- $f" >&2; cat "$f" >&2; }; done
  exit 1
}
# run NAME EXPECTED_STATUS ARGS...: clustersim's stdout and stderr go to NAME.txt.
run() {
  local name=$1 want=$2 got=0
  shift 2
  "$bin" "$@" >"$name.txt" 2>&1 || got=$?
  [[ $got == "$want" ]] || fail "clustersim $* exited $got, expected $want"
}
expect() { grep -qF -- "$2" "$1.txt" || fail "$1: no line with '$2'"; }

"$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log" || { cat "$tmp/install.log" >&2; exit 1; }

# The layout: the programs (the GPU ones where this build has them) and every shipped data file.
[[ -x $bin ]] || fail "no $bin"
for program in clustersim_live_cpu clustersim_mpi_probe clustersim_gpu_probe clustersim_live_gpu; do
  if [[ -x $build/$program || $program == clustersim_live_cpu || $program == clustersim_mpi_probe ]]; then
    [[ -x $prefix/lib/clustersim/$program ]] || fail "no $prefix/lib/clustersim/$program"
  fi
done
[[ ! -e $prefix/bin/clustersim_live_cpu ]] || fail "rank program installed beside clustersim in bin/"
cd "$src"
for file in model/devices/*.yaml model/models/*.yaml topologies/*.graphml topologies/examples/* scenarios/*.yaml; do
  [[ -f $data/$file ]] || fail "$file not installed under $data"
done

mkdir "$tmp/work" && cd "$tmp/work"
unset CLUSTERSIM_DATA_DIR

# The embedded default scenario: its device profile h100_sxm comes from the data directory.
run default 0 simulate --quiet --no-report --out "$tmp/out/default"
expect default "8 cases, 8 simulated"
[[ -f $tmp/out/default/results.json ]] || fail "simulate wrote no results.json"

run dgx 0 topology show dgx_h100_cluster:nodes=1
expect dgx "gpus: 8 in 1 node"

# A shipped scenario by its installed path (its device profile rtx4090, its generator topologies).
run rtx 0 simulate "$data/scenarios/rtx4090_tree_vs_ring.yaml" --quiet --no-report --out "$tmp/out/rtx"
expect rtx "24 cases, 24 simulated"

# A shipped topology by short name: the summary names the file it read, which must be the prefix's.
run shipped 0 topology show rtx4090_box_2gpu
expect shipped "origin:   $data/topologies/rtx4090_box_2gpu.graphml"

# CLUSTERSIM_DATA_DIR still overrides the installed data.
CLUSTERSIM_DATA_DIR=$src run override 0 topology show rtx4090_box_2gpu
expect override "origin:   $src/topologies/rtx4090_box_2gpu.graphml"

# No fallback to the source tree: with the prefix's profile gone the scenario fails, though the
# source tree still has model/devices/rtx4090.yaml.
[[ -f $src/model/devices/rtx4090.yaml ]] || fail "the source tree has no model/devices/rtx4090.yaml to ignore"
rm "$data/model/devices/rtx4090.yaml"
run missing 2 simulate "$data/scenarios/rtx4090_tree_vs_ring.yaml" --quiet --no-report --out "$tmp/out/missing"
expect missing "unknown device profile 'rtx4090'"

# The rank program from PREFIX/lib/clustersim (none lies beside the installed clustersim): one tiny
# live case, 2 MPI ranks on this host.
cat >tiny.yaml <<'YAML'
name: installed_live
topology: {generator: cpu_host, ranks: 2}
device: cpu_core
workload: {batch: 1, heads: 1, kv_heads: 1, head_dim: 64, context: [1k], dtype: fp32}
strategies: [tree]
YAML
run live 0 live tiny.yaml --out "$tmp/out/live" --reps 1 --warmup 0 --quiet
expect live "1 cases, 1 run live"

echo "install_test: ok ($prefix)"
