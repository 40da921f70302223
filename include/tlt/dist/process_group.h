// Multi-process runs on PyTorch's c10d: the launch settings that torchrun or Slurm put in the environment,
// and a process group over a TCPStore rendezvous (Gloo for CPU tensors, and NCCL for CUDA tensors where
// LibTorch has CUDA and NCCL).
//
// Without WORLD_SIZE (or SLURM_NTASKS) in the environment, or with a world size of 1, everything runs in
// one process and no group is created.
#pragma once

#include <ATen/core/Tensor.h>

#include <chrono>
#include <memory>
#include <string>

namespace tlt::dist {

/// Rank, world size and rendezvous address of this process.
struct LaunchEnvironment {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  std::string source = "none";  ///< "torchrun" (RANK, WORLD_SIZE, ...), "slurm" (SLURM_PROCID, ...) or "none"

  bool distributed() const { return world_size > 1; }
};

/// Reads RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT as torchrun sets them; where RANK and
/// WORLD_SIZE are absent, SLURM_PROCID, SLURM_NTASKS and SLURM_LOCALID (MASTER_ADDR and MASTER_PORT must
/// then be set by the job script). Throws ConfigError for a value that is not a number or out of range.
LaunchEnvironment read_launch_environment();

/// Seconds that joining the group and each collective may wait for the other ranks: TLT_DIST_TIMEOUT_S,
/// default 300. Throws ConfigError for an invalid value.
std::chrono::milliseconds timeout_from_environment();

/// A c10d process group. Collectives block until every rank has called them, or throw DistributedError
/// after the timeout (a rank that died, or one that never joined).
class ProcessGroup {
 public:
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  /// Joins the group of `launch.world_size` ranks at launch.master_addr:launch.master_port; rank 0 hosts
  /// the TCPStore. Throws DistributedError when the rendezvous fails or times out, or when this build of
  /// tlt has neither the Gloo nor the NCCL backend.
  static std::unique_ptr<ProcessGroup> join(const LaunchEnvironment& launch, std::chrono::milliseconds timeout);

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  /// Rank of this process on its node (LOCAL_RANK), which selects its GPU.
  int local_rank() const { return local_rank_; }

  /// Sums `tensor` over all ranks, in place (a contiguous tensor). CPU tensors go through Gloo and CUDA
  /// tensors through NCCL; without NCCL a CUDA tensor is summed through Gloo on a CPU copy.
  void all_reduce_sum(at::Tensor& tensor);

  /// Waits until every rank has reached this call.
  void barrier();

 private:
  struct Backend;
  ProcessGroup(int rank, int world_size, int local_rank, std::unique_ptr<Backend> backend);

  int rank_ = 0;
  int world_size_ = 1;
  int local_rank_ = 0;
  std::unique_ptr<Backend> backend_;
};

/// Joins the group that the environment describes, or returns null for a single-process run. Logs the rank
/// and world size, and lowers the log level of ranks other than 0 to warnings.
std::unique_ptr<ProcessGroup> join_from_environment();

}  // namespace tlt::dist
