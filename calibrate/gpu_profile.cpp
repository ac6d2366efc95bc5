// SPDX-License-Identifier: Apache-2.0
// Every figure names the probe key it came from, so a profile can be traced back to the raw CSVs
// kept beside it.
#include "calibrate/gpu_profile.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

namespace clustersim::calibrate {
namespace {

class Summary {
 public:
  explicit Summary(const std::map<std::string, std::string>& values) : values_(values) {}

  std::string text(const std::string& key) const {
    const auto it = values_.find(key);
    if (it == values_.end()) {
      missing_.push_back(key);
      return {};
    }
    return it->second;
  }
  double number(const std::string& key) const {
    const std::string t = text(key);
    try {
      return t.empty() ? 0 : std::stod(t);
    } catch (const std::exception&) {
      missing_.push_back(key + " (not a number: '" + t + "')");
      return 0;
    }
  }
  bool has(const std::string& key) const { return values_.count(key) > 0; }
  const std::vector<std::string>& missing() const { return missing_; }

 private:
  const std::map<std::string, std::string>& values_;
  mutable std::vector<std::string> missing_;
};

/// "x:y;x:y" → points, efficiencies clamped to (0, 1] as the profile format requires.
model::EfficiencyCurve curve(const Summary& s, const std::string& key, const std::string& source) {
  model::EfficiencyCurve c{.source = source};
  std::stringstream points(s.text(key));
  for (std::string point; std::getline(points, point, ';');) {
    const auto colon = point.find(':');
    if (colon == std::string::npos) continue;
    c.points.emplace_back(std::stod(point.substr(0, colon)), std::clamp(std::stod(point.substr(colon + 1)), 1e-6, 1.0));
  }
  return c;
}

std::string profile_name(const std::string& gpu) {
  std::string name = "gpu_";
  for (char ch : gpu) name += std::isalnum(static_cast<unsigned char>(ch)) ? static_cast<char>(std::tolower(ch)) : '_';
  return name;
}

}  // namespace

std::map<std::string, std::string> read_probe_summary(const std::string& text) {
  std::map<std::string, std::string> values;
  std::stringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) values[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return values;
}

model::DeviceProfile gpu_profile_from_summary(const std::map<std::string, std::string>& values, const std::string& host,
                                              const std::string& date) {
  const Summary s(values);
  const std::string reps = s.text("repetitions");
  auto from = [&](const std::string& key) { return fmt::format("clustersim_gpu_probe, summary.txt {}", key); };
  // `si` turns the summary's unit, named in its key, into the profile's SI one.
  auto measured = [&](const std::string& key, double si, const std::string& spread_key, const std::string& raw) {
    return figure_with_spread(s.number(key) * si, s.number(spread_key), fmt::format("{} (raw: {})", from(key), raw),
                              reps);
  };

  model::DeviceProfile p;
  const std::string gpu = s.text("gpu");
  p.name = profile_name(gpu);
  p.provenance = "measured";
  p.description = fmt::format("{}, measured by clustersim calibrate (CUDA group)", gpu);
  p.measured = {{"host", host},
                {"date", date},
                {"method", fmt::format("clustersim_gpu_probe ({}): CUDA events, {}, median", s.text("mode"), reps)},
                {"cpu", "see the CPU profile beside this one"},
                {"gpu", fmt::format("{} x{}, compute capability {}, {} SMs", gpu, s.text("gpus"),
                                    s.text("compute_capability"), s.text("multiprocessors"))},
                {"libraries", fmt::format("CUDA driver {}, runtime {}; cuBLAS {}; NCCL {}", s.text("cuda_driver"),
                                          s.text("cuda_runtime"), s.text("cublas"),
                                          s.has("nccl_version") ? s.text("nccl_version") : "not built")},
                {"ranks", "1"}};
  for (model::DType dtype : {model::DType::bf16, model::DType::fp16}) {
    const std::string name = model::to_string(dtype);
    p.dense_flops[dtype] =
        measured(fmt::format("dense_{}_TFLOPS", name), 1e12, fmt::format("dense_{}_spread", name), "gpu_gemm.csv");
  }
  p.hbm_bandwidth = measured("hbm_copy_kernel_GBps", 1e9, "hbm_copy_kernel_spread", "gpu_hbm_copy.csv");
  p.memory_capacity = {.value = s.number("memory_bytes"), .source = from("memory_bytes") + " (cudaDeviceProp)"};
  p.launch_overhead = {.value = s.number("decode_fit_latency_us") * 1e-6,
                       .source = from("decode_fit_latency_us") +
                                 ": intercept of t = alpha + bytes/B over the split-KV decode sweep (raw: "
                                 "gpu_decode_attention.csv)"};
  if (p.launch_overhead.value <= 0) {
    p.launch_overhead.flagged = fmt::format("fit intercept {} us is not positive", s.number("decode_fit_latency_us"));
    p.launch_overhead.value = 0.01e-6;
  }
  p.compute_efficiency = {.value = 1,
                          .source =
                              "1: dense_TFLOPS is the best GEMM measured; "
                              "compute_efficiency_curve gives other sizes"};
  p.memory_efficiency = {
      .value = std::clamp(s.number("decode_memory_efficiency"), 1e-6, 1.0),
      .source = from("decode_memory_efficiency") + ": split-KV decode kernel at the largest context / the copy kernel"};
  p.memory_efficiency_curve = curve(s, "decode_memory_efficiency_curve",
                                    "split-KV decode sweep, bf16, head_dim 128 (raw: gpu_decode_attention.csv)");
  p.compute_efficiency_curve = curve(s, "dense_bf16_compute_efficiency_curve",
                                     "cuBLAS bf16 GEMM, prefill shapes, rate / best (raw: gpu_gemm.csv)");
  p.links[topo::LinkClass::pcie] = {
      .latency = {.value = s.number("h2d_pinned_latency_us") * 1e-6,
                  .source = from("h2d_pinned_latency_us") + ": pinned host-to-device copies, fit alpha (raw: "
                                                            "gpu_host_copy.csv)"},
      .bandwidth = measured("h2d_pinned_plateau_GBps", 1e9, "h2d_pinned_plateau_spread", "gpu_host_copy.csv"),
      .r_squared = s.number("h2d_pinned_r_squared")};
  if (!s.missing().empty())
    throw std::runtime_error(fmt::format("the GPU probe's summary lacks {} (did a group fail? see its *_status keys)",
                                         fmt::join(s.missing(), ", ")));
  return p;
}

}  // namespace clustersim::calibrate
