// SPDX-License-Identifier: Apache-2.0
// Ring's two streams: the communication stream sends the shard in hand and receives the next one
// into the other slot while the compute stream attends to the shard in hand. Two events order
// them: the compute stream waits for `received_` before attending to a shard that just arrived,
// and the communication stream waits for `attended_` before receiving into the slot the compute
// stream was reading. Every other phase runs on the compute stream in issue order.
#include "programs/gpu_rank/device_step.hpp"

#include <algorithm>

#include "kernels/cuda/attention_state.cuh"
#include "kernels/cuda/nccl_communicators.hpp"
#include "kernels/cuda/storage_values.hpp"

namespace clustersim::live::gpu {
namespace {

namespace kc = kernels::cuda;

ncclDataType_t nccl_type(kc::StorageType type) { return type == kc::StorageType::bf16 ? ncclBfloat16 : ncclFloat16; }

int l2_bytes(int device) {
  int bytes = 0;
  kc::check_cuda(cudaDeviceGetAttribute(&bytes, cudaDevAttrL2CacheSize, device), "cudaDeviceGetAttribute(L2)");
  return bytes;
}

int sm_count(int device) {
  int sms = 0;
  kc::check_cuda(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device),
                 "cudaDeviceGetAttribute(multiprocessors)");
  return sms;
}

kernels::DecodeShape with_tokens(kernels::DecodeShape shape, std::int64_t tokens) {
  shape.tokens = tokens;
  return shape;
}

std::vector<kc::SplitKvPlan> plan_shards(const kernels::DecodeShape& shape, const ShardSplit& split, int sms) {
  std::vector<kc::SplitKvPlan> plans;
  for (const std::int64_t tokens : split.tokens)
    plans.push_back(kc::plan_decode_attention(with_tokens(shape, tokens), sms));
  return plans;
}

std::size_t workspace_bytes(const kernels::DecodeShape& shape, const std::vector<kc::SplitKvPlan>& plans) {
  std::size_t bytes = 0;
  for (const kc::SplitKvPlan& plan : plans)
    bytes = std::max(bytes, kc::decode_attention_workspace_bytes(with_tokens(shape, plan.tokens), plan));
  return bytes;
}

void upload(void* device, const std::vector<float>& values, kc::StorageType type) {
  const std::vector<std::uint16_t> bits = kc::to_storage(values, type);
  kc::check_cuda(cudaMemcpy(device, bits.data(), 2 * bits.size(), cudaMemcpyHostToDevice), "uploading to the GPU");
}

}  // namespace

DeviceStep::OnDevice::OnDevice(int device) { kc::check_cuda(cudaSetDevice(device), "cudaSetDevice"); }

DeviceStep::DeviceStep(const RankOptions& options, kc::StorageType type, const ShardSplit& split, int rank, int ranks,
                       int device, ncclComm_t comm)
    : o_(options),
      type_(type),
      split_(split),
      rank_(rank),
      ranks_(ranks),
      device_(device),
      on_device_(device),
      comm_(comm),
      plans_(plan_shards(options.shape, split, sm_count(device))),
      workspace_bytes_(workspace_bytes(options.shape, plans_)),
      q_(2 * options.shape.query_elements()),
      workspace_(workspace_bytes_),
      out_(4 * options.shape.query_elements()),
      total_max_(4 * options.shape.rows()),
      total_sums_(4 * (options.shape.rows() + options.shape.query_elements())),
      part_max_(4 * options.shape.rows()),
      part_sums_(4 * (options.shape.rows() + options.shape.query_elements())),
      global_max_(4 * options.shape.rows()),
      // Twice the L2 size: whatever the replacement policy, no line of the step's data survives.
      l2_scratch_bytes_(2 * static_cast<std::size_t>(std::max(l2_bytes(device), 1 << 20))),
      l2_scratch_(l2_scratch_bytes_),
      capacity_(shard_shape(0).key_elements()),  // shard 0 is a longest one
      kv_(2 * 2 * capacity_ * (options.step == RankStep::ring && ranks > 1 ? 2 : 1)) {
  origin_[0] = rank;
  const kernels::DecodeShape s = shard_shape(rank);
  std::vector<float> k(s.key_elements()), v(s.key_elements());
  kernels::fill_kv_shard(s, split.first_token[rank], options.seed, k.data(), v.data());
  upload(this->k(0), k, type);
  upload(this->v(0), v, type);
  std::vector<float> q(options.shape.query_elements());
  kernels::fill_uniform(q.data(), q.size(), options.seed, 1);  // the CPU program's query
  upload(q_.get(), q, type);
}

void DeviceStep::use_device() const { kc::check_cuda(cudaSetDevice(device_), "cudaSetDevice"); }

kernels::DecodeShape DeviceStep::shard_shape(int origin) const { return with_tokens(o_.shape, split_.tokens[origin]); }

void* DeviceStep::k(int slot) const { return kv_.as<std::uint16_t>() + (2 * slot) * capacity_; }
void* DeviceStep::v(int slot) const { return kv_.as<std::uint16_t>() + (2 * slot + 1) * capacity_; }

kc::DeviceAttentionState DeviceStep::total_state() const {
  return {.max = total_max_.as<float>(),
          .denom = total_sums_.as<float>(),
          .numer = total_sums_.as<float>() + o_.shape.rows()};
}

kc::DeviceAttentionState DeviceStep::part_state() const {
  return {
      .max = part_max_.as<float>(), .denom = part_sums_.as<float>(), .numer = part_sums_.as<float>() + o_.shape.rows()};
}

/// The split-KV kernel on the shard in hand; `state` receives its softmax state when non-null.
void DeviceStep::launch_attention(const kc::DeviceAttentionState* state) {
  const int origin = origin_[in_hand_];
  kc::check_cuda(
      kc::launch_decode_attention(shard_shape(origin), type_, q_.get(), k(in_hand_), v(in_hand_), plans_[origin],
                                  workspace_.get(), workspace_bytes_, out_.as<float>(), state, compute_.get()),
      "decode attention launch");
}

void DeviceStep::broadcast_query() {
  use_device();
  kc::check_nccl(
      ncclBroadcast(q_.get(), q_.get(), o_.shape.query_elements(), nccl_type(type_), ranks_ - 1, comm_, compute_.get()),
      "ncclBroadcast of the query");
}

void DeviceStep::attend() {
  use_device();
  // One device: the kernel's output is the answer. Several: the state goes to the allreduces.
  const kc::DeviceAttentionState total = total_state();
  launch_attention(ranks_ > 1 ? &total : nullptr);
}

void DeviceStep::allreduce_max() {
  use_device();
  kc::check_nccl(
      ncclAllReduce(total_max_.get(), global_max_.get(), o_.shape.rows(), ncclFloat, ncclMax, comm_, compute_.get()),
      "ncclAllReduce of the maxima");
}

void DeviceStep::rescale() {
  use_device();
  kc::check_cuda(kc::launch_rescale_state(total_state(), global_max_.as<float>(), o_.shape.rows(), o_.shape.head_dim,
                                          compute_.get()),
                 "rescale launch");
}

void DeviceStep::allreduce_numer() {
  use_device();
  float* numer = total_state().numer;
  kc::check_nccl(ncclAllReduce(numer, numer, o_.shape.query_elements(), ncclFloat, ncclSum, comm_, compute_.get()),
                 "ncclAllReduce of the numerators");
}

void DeviceStep::allreduce_denom() {
  use_device();
  float* denom = total_sums_.as<float>();
  kc::check_nccl(ncclAllReduce(denom, denom, o_.shape.rows(), ncclFloat, ncclSum, comm_, compute_.get()),
                 "ncclAllReduce of the denominators");
}

void DeviceStep::allreduce_sums() {
  use_device();
  float* sums = total_sums_.as<float>();
  kc::check_nccl(
      ncclAllReduce(sums, sums, o_.shape.rows() + o_.shape.query_elements(), ncclFloat, ncclSum, comm_, compute_.get()),
      "ncclAllReduce of the fused sums");
}

void DeviceStep::finish_output() {
  if (!attends()) return;
  use_device();
  kc::check_cuda(
      kc::launch_state_output(total_state(), o_.shape.rows(), o_.shape.head_dim, out_.as<float>(), compute_.get()),
      "output launch");
}

void DeviceStep::ring_rotate() {
  use_device();
  const int incoming = 1 - in_hand_;
  origin_[incoming] = (origin_[in_hand_] + ranks_ - 1) % ranks_;
  // The slot receiving was the one in hand last hop: wait until the compute stream is done with it.
  kc::check_cuda(cudaStreamWaitEvent(comm_stream_.get(), attended_.get(), 0), "cudaStreamWaitEvent");
  const int next = (rank_ + 1) % ranks_, previous = (rank_ + ranks_ - 1) % ranks_;
  const std::size_t sent = shard_elements(origin_[in_hand_]), received = shard_elements(origin_[incoming]);
  const ncclDataType_t t = nccl_type(type_);
  kc::check_nccl(ncclSend(k(in_hand_), sent, t, next, comm_, comm_stream_.get()), "ncclSend of K");
  kc::check_nccl(ncclSend(v(in_hand_), sent, t, next, comm_, comm_stream_.get()), "ncclSend of V");
  kc::check_nccl(ncclRecv(k(incoming), received, t, previous, comm_, comm_stream_.get()), "ncclRecv of K");
  kc::check_nccl(ncclRecv(v(incoming), received, t, previous, comm_, comm_stream_.get()), "ncclRecv of V");
}

void DeviceStep::ring_attend(int hop) {
  if (!attends()) return;
  use_device();
  // hop 0 attends to the shard it started with; later hops' shards arrived on the comm stream.
  if (hop > 0) kc::check_cuda(cudaStreamWaitEvent(compute_.get(), received_.get(), 0), "cudaStreamWaitEvent");
  const kc::DeviceAttentionState total = total_state(), part = part_state();
  launch_attention(hop == 0 ? &total : &part);
  if (hop > 0)
    kc::check_cuda(kc::launch_merge_states(total, part, o_.shape.rows(), o_.shape.head_dim, compute_.get()),
                   "merge launch");
  kc::check_cuda(cudaEventRecord(attended_.get(), compute_.get()), "cudaEventRecord");
}

// After ncclGroupEnd: NCCL enqueues a group's operations only there, so an event recorded inside
// the group would come before the receives it is meant to follow.
void DeviceStep::ring_next() {
  use_device();
  kc::check_cuda(cudaEventRecord(received_.get(), comm_stream_.get()), "cudaEventRecord");
  in_hand_ = 1 - in_hand_;
}

bool DeviceStep::attends() const { return o_.step != RankStep::ring || o_.output_on_all || rank_ == ranks_ - 1; }

void DeviceStep::evict_l2() {
  use_device();
  kc::check_cuda(cudaMemsetAsync(l2_scratch_.get(), 0, l2_scratch_bytes_, compute_.get()), "evicting the L2 cache");
  kc::check_cuda(cudaStreamSynchronize(compute_.get()), "evicting the L2 cache");
}

void DeviceStep::synchronize() {
  use_device();
  kc::check_cuda(cudaDeviceSynchronize(), "running the step on GPU " + std::to_string(device_));
}

std::vector<float> DeviceStep::download_output() {
  use_device();
  std::vector<float> out(o_.shape.query_elements());
  kc::check_cuda(cudaMemcpy(out.data(), out_.get(), 4 * out.size(), cudaMemcpyDeviceToHost), "downloading the output");
  return out;
}

}  // namespace clustersim::live::gpu
