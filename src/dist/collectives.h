// The c10d backends behind tlt::dist::ProcessGroup. Each backend is compiled in its own file, because
// LibTorch's headers need USE_C10D_GLOO or USE_C10D_NCCL defined before they declare the backend class.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/util/intrusive_ptr.h>
#include <torch/csrc/distributed/c10d/Store.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace tlt::dist::detail {

/// The collectives of one c10d backend. Each call blocks until every rank has made it, or throws
/// c10::Error or std::exception after the backend's timeout.
class Collectives {
 public:
  virtual ~Collectives() = default;

  /// Sums `tensor` over all ranks, in place.
  virtual void all_reduce_sum(at::Tensor& tensor) = 0;

  /// Waits until every rank has reached this call.
  virtual void barrier() = 0;
};

/// Collectives of a c10d process group class (ProcessGroupGloo, ProcessGroupNCCL), waiting for each.
template <typename Group>
class GroupCollectives final : public Collectives {
 public:
  explicit GroupCollectives(c10::intrusive_ptr<Group> group) : group_(std::move(group)) {}

  void all_reduce_sum(at::Tensor& tensor) override {
    std::vector<at::Tensor> tensors = {tensor};
    group_->allreduce(tensors)->wait();
  }

  void barrier() override { group_->barrier()->wait(); }

 private:
  c10::intrusive_ptr<Group> group_;
};

/// Where a backend connects and how long it waits.
struct BackendSettings {
  c10::intrusive_ptr<c10d::Store> store;
  int rank = 0;
  int world_size = 1;
  std::string master_addr;
  std::chrono::milliseconds timeout{0};
};

#if TLT_HAVE_GLOO
/// Gloo over TCP, for CPU tensors. GLOO_SOCKET_IFNAME selects the network interface, as in PyTorch; a
/// rendezvous on localhost or 127.x keeps the connections on 127.0.0.1. Connects to every rank before it
/// returns.
std::unique_ptr<Collectives> make_gloo_collectives(const BackendSettings& settings);
#endif

#if TLT_HAVE_NCCL
/// NCCL, for CUDA tensors. It creates its communicator at the first collective, on the device of the
/// tensor given.
std::unique_ptr<Collectives> make_nccl_collectives(const BackendSettings& settings);
#endif

}  // namespace tlt::dist::detail
