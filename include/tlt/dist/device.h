// The device that each process computes on.
#pragma once

#include <c10/core/Device.h>

#include <cstdint>
#include <string>

namespace tlt::dist {

class ProcessGroup;

/// Parses a --device value for a process with LOCAL_RANK `local_rank` on a machine with
/// `cuda_device_count` visible GPUs. "cpu" is the CPU. "cuda" is the GPU numbered `local_rank`, so that
/// the ranks of one node share out its GPUs, or GPU 0 where only one is visible (each rank given its own
/// GPU, as with Slurm's --gpus-per-task=1). "cuda:N" is GPU N. Throws ConfigError for another value, for
/// CUDA without a visible GPU, and for a GPU number that is not visible.
c10::Device device_for_rank(const std::string& name, int local_rank, int64_t cuda_device_count);

/// device_for_rank for this process: the local rank of `group` (0 without a group) and the GPUs that
/// LibTorch sees.
c10::Device select_device(const std::string& name, const ProcessGroup* group);

}  // namespace tlt::dist
