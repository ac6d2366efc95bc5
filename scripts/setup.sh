#!/usr/bin/env bash
# Installs what clustersim needs to build and test on Debian 12 (bookworm), as root.
# Idempotent: packages already present are not fetched again. CUDA and NCCL are optional and
# not installed here; CMake finds them if they exist (see cmake/optional_gpu.cmake).
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config   # toolchain
  libsimgrid-dev                     # the discrete-event engine (SimGrid 3.32)
  libboost-graph-dev                 # topology graphs: GraphML/DOT readers, shortest paths, max flow
  libyaml-cpp-dev                    # scenario and device-profile files
  nlohmann-json3-dev                 # results.json
  libcli11-dev                       # command line
  libfmt-dev                         # formatting
  gnuplot-nox graphviz               # report figures (SVG) and topology drawings
  catch2                             # tests (Catch2 v2)
  clang-format                       # tests: every source as .clang-format writes it
  chromium libpng-dev                # tests: the report rendered headless, its screenshot read
  libbenchmark-dev                   # bench/ and the calibration harness (Google Benchmark)
  libopenblas-dev                    # calibration: GEMM through a real BLAS
  libopenmpi-dev openmpi-bin         # live runs and MPI calibration (mpirun)
  iproute2                           # the emulated cluster: network namespaces, veth, tc
  clang libclang-rt-14-dev           # tests: the sanitized build and the fuzz targets (scripts/sanitized_tests.sh)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup.sh: need root to install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "setup.sh: all build dependencies present"
