// SPDX-License-Identifier: Apache-2.0
// The probe's measurement groups, run in this order by main. Each writes its raw CSV into
// run.out, adds its figures to run.summary, and throws GpuError when it cannot finish.
#pragma once

#include "programs/gpu_probe/probe_run.hpp"

namespace clustersim::gpu_probe {

void probe_hbm_copy(ProbeRun& run);          ///< hbm_copy.csv
void probe_gemm(ProbeRun& run);              ///< gemm.csv
void probe_decode_attention(ProbeRun& run);  ///< decode_attention_check.csv, decode_attention.csv
void probe_host_copy(ProbeRun& run);         ///< host_copy.csv
void probe_kv_gather(ProbeRun& run);         ///< kv_gather.csv
void probe_peer_copy(ProbeRun& run);         ///< peer_copy.csv (≥ 2 GPUs)
void probe_nccl(ProbeRun& run);              ///< nccl.csv (built with NCCL)

}  // namespace clustersim::gpu_probe
