// NOTE: built into tlt only against a CUDA LibTorch with NCCL. The development machines have no GPU, so this
// file has never run; the NcclBackendCompiles test compiles it against LibTorch 1.13's headers and CUDA's
// nccl.h (tests/dist/nccl_compile_check.cmake).
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>

#include <cstdlib>

#include "dist/collectives.h"

namespace tlt::dist::detail {

std::unique_ptr<Collectives> make_nccl_collectives(const BackendSettings& settings) {
  // ProcessGroupNCCL applies its timeout only in blocking-wait mode; otherwise a collective whose peer died
  // waits until the watchdog tears the process down. Blocking wait makes wait() throw after the timeout
  // instead, which becomes a DistributedError. LibTorch 1.13 reads NCCL_BLOCKING_WAIT, 2.x
  // TORCH_NCCL_BLOCKING_WAIT; a value the user set is kept.
  if (std::getenv("NCCL_BLOCKING_WAIT") == nullptr && std::getenv("TORCH_NCCL_BLOCKING_WAIT") == nullptr) {
    ::setenv("NCCL_BLOCKING_WAIT", "1", 0);
    ::setenv("TORCH_NCCL_BLOCKING_WAIT", "1", 0);
  }
  // Gloo and NCCL both keep their rendezvous keys in the store; a prefix keeps NCCL's apart, as
  // torch.distributed does for each group.
  auto store = c10::make_intrusive<c10d::PrefixStore>("nccl/", settings.store);
  auto options = c10d::ProcessGroupNCCL::Options::create();
  options->timeout = settings.timeout;
  auto group = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, settings.rank, settings.world_size, options);
  return std::make_unique<GroupCollectives<c10d::ProcessGroupNCCL>>(std::move(group));
}

}  // namespace tlt::dist::detail
