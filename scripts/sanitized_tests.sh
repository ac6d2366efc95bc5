#!/usr/bin/env bash
# The sanitized test run CI makes after the README's second command: the whole project (libraries,
# programs, tests) built by clang with AddressSanitizer and UndefinedBehaviorSanitizer, plus the
# libFuzzer targets of fuzz/, in build-sanitize/; then every test except the two validation suites
# ([suite], minutes long even unsanitized), and each fuzz target for 60 s on the committed corpus.
# Any sanitizer report fails the test it happens in. Needs scripts/setup.sh's packages (clang).
set -euo pipefail
cd "$(dirname "$0")/.."
CC=clang CXX=clang++ cmake -S . -B build-sanitize -G Ninja -DCLUSTERSIM_FUZZ=ON -DCLUSTERSIM_BENCH=OFF
cmake --build build-sanitize
ctest --test-dir build-sanitize --output-on-failure -j 2
