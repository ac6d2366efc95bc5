// SPDX-License-Identifier: Apache-2.0
// One process, every GPU its own: nothing to exchange between processes.
#include <numeric>

#include "programs/gpu_rank/job.hpp"

namespace clustersim::live::gpu {
namespace {

class SingleProcessJob : public Job {
 public:
  explicit SingleProcessJob(int gpus) : devices_(gpus) { std::iota(devices_.begin(), devices_.end(), 0); }
  int ranks() const override { return static_cast<int>(devices_.size()); }
  int first_rank() const override { return 0; }
  const std::vector<int>& devices() const override { return devices_; }
  bool reports() const override { return true; }
  std::unique_ptr<kernels::cuda::Communicators> communicators() override {
    return std::make_unique<kernels::cuda::Communicators>(ranks());  // ranks in device order
  }
  void barrier() override {}
  double slowest(double seconds) override { return seconds; }  // timed until every GPU is done
  std::vector<std::vector<float>> gather(std::vector<std::vector<float>> mine) override { return mine; }
  int agree(int status) override { return status; }
  int fail(int status) override { return status; }

 private:
  std::vector<int> devices_;
};

}  // namespace

std::unique_ptr<Job> single_process_job(int gpus) { return std::make_unique<SingleProcessJob>(gpus); }

}  // namespace clustersim::live::gpu
