// SPDX-License-Identifier: Apache-2.0
// The Catch2 v2 main for clustersim_tests; every other file in tests/ holds test cases only.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
