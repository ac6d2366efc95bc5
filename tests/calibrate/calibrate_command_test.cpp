// SPDX-License-Identifier: Apache-2.0
// `clustersim calibrate` as users run it: a quick run writes a profile and its raw sweeps and
// names what it skipped; bad input writes nothing; a failing group is skipped with its reason
// while the others still make a profile. (No timing is asserted: CI machines are noisy.)
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <filesystem>

#include "model/device_profile.hpp"
#include "support/run_clustersim.hpp"
#include "support/scratch_dir.hpp"

namespace fs = std::filesystem;
using clustersim::testing::Run;
using clustersim::testing::run_clustersim;

SCENARIO("a quick calibration writes a measured profile with its raw sweeps", "[calibrate][cli]") {
  const clustersim::testing::ScratchDir dir;
  const fs::path profile = fs::path(dir.path()) / "cpu.yaml";
  const Run run = run_clustersim("calibrate --quick --ranks 2 --out " + profile.string());
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(run.out.find("# profile: " + profile.string()) != std::string::npos);
  CHECK(run.err.find("[3/5] decode attention: context 32768 (7/7)") != std::string::npos);
  for (const char* csv : {"memory_bandwidth.csv", "gemm.csv", "decode_attention.csv", "mpi_p2p.csv", "mpi_exchange.csv",
                          "mpi_allreduce.csv"})
    CHECK(fs::exists(fs::path(dir.path()) / csv));
  const clustersim::model::DeviceProfile p = clustersim::model::load_device_profile(profile.string());
  CHECK(p.provenance == "measured");
  CHECK(p.measured.at("ranks") == "2");
  const clustersim::model::LinkFigures& link = p.links.at(clustersim::topo::LinkClass::shared_memory);
  CHECK(link.latency.value > 0);
  CHECK(link.both_ways.value > 0);
  // A message each way at once takes at least as long as one alone.
  CHECK(link.both_ways_latency.value >= link.latency.value);
  CHECK(p.memory_efficiency.value <= 1);
  // This build has no clustersim_gpu_probe unless CUDA was found; either way the group is named.
  CHECK(p.measured.at("skipped").find("cuda: ") != std::string::npos);
  // The summary shows the figures as the profile gives them.
  CHECK(run.out.find("# measured profile " + p.name) != std::string::npos);
  CHECK(run.out.find("links.shared_memory.latency_us") != std::string::npos);
  for (const fs::directory_entry& entry : fs::directory_iterator(dir.path()))
    CHECK(entry.path().extension() != ".partial");
}

SCENARIO("an unknown group is bad input: exit 2, a suggestion, nothing written", "[calibrate][cli]") {
  const clustersim::testing::ScratchDir dir;
  const fs::path profile = fs::path(dir.path()) / "out" / "cpu.yaml";
  const Run run = run_clustersim("calibrate --quick --only memroy --out " + profile.string());
  CHECK(run.exit_code == 2);
  CHECK(run.err.find("unknown calibration group 'memroy'") != std::string::npos);
  CHECK(run.err.find("did you mean 'memory'?") != std::string::npos);
  CHECK(!fs::exists(fs::path(dir.path()) / "out"));
}

SCENARIO("a group that fails is skipped with its reason and the others still make a profile", "[calibrate][cli]") {
  const clustersim::testing::ScratchDir dir;
  const fs::path profile = fs::path(dir.path()) / "cpu.yaml";
  ::setenv("CLUSTERSIM_MPIRUN", "/bin/false", 1);
  const Run run = run_clustersim("calibrate --quick --only gemm,mpi --out " + profile.string());
  ::unsetenv("CLUSTERSIM_MPIRUN");
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const clustersim::model::DeviceProfile p = clustersim::model::load_device_profile(profile.string());
  const std::string skipped = p.measured.at("skipped");
  CHECK(skipped.find("mpi: ") != std::string::npos);
  CHECK(skipped.find("clustersim_mpi_probe with 2 ranks failed") != std::string::npos);  // the launcher's reason
  CHECK(p.links.empty());
  CHECK(p.flops(clustersim::model::DType::fp32) > 0);
  // Figures of groups not run are placeholders that say so and are flagged.
  CHECK(p.hbm_bandwidth.flagged == "not measured: group memory was not run");
  CHECK(p.hbm_bandwidth.value == 1e9);
  CHECK(run.out.find("hbm_bandwidth_GBps (per rank)" + std::string(17, ' ') + "1 GB/s") != std::string::npos);
  CHECK(!fs::exists(fs::path(dir.path()) / "mpi_p2p.csv"));
}

SCENARIO("when every group fails there is no profile and the run fails", "[calibrate][cli]") {
  const clustersim::testing::ScratchDir dir;
  const fs::path profile = fs::path(dir.path()) / "cpu.yaml";
  ::setenv("CLUSTERSIM_MPIRUN", "/bin/false", 1);
  const Run run = run_clustersim("calibrate --quick --only mpi --out " + profile.string());
  ::unsetenv("CLUSTERSIM_MPIRUN");
  CHECK(run.exit_code == 1);
  CHECK(run.err.find("measured nothing") != std::string::npos);
  CHECK(!fs::exists(profile));
}

SCENARIO("a quick calibration's profile loads as a device profile", "[calibrate][cli]") {
  const clustersim::testing::ScratchDir dir;
  const fs::path profile = fs::path(dir.path()) / "cpu.yaml";
  REQUIRE(
      run_clustersim("calibrate --quick --quiet --only memory,gemm,decode,mpi --out " + profile.string()).exit_code ==
      0);
  const clustersim::model::DeviceProfile p = clustersim::model::load_device_profile(profile.string());
  CHECK(p.provenance == "measured");
  CHECK(p.hbm_bandwidth.value > 0);
  const clustersim::model::LinkFigures& link = p.links.at(clustersim::topo::LinkClass::shared_memory);
  CHECK(link.bandwidth.value > 0);
  CHECK(link.both_ways.value > 0);
  CHECK(link.both_ways_latency.value >= link.latency.value);
}
