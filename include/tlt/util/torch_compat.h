// The few places where LibTorch 1.13 (Debian) and LibTorch 2.x differ, kept in one header.
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <torch/version.h>

#include <string>

namespace tlt::compat {

/// LibTorch version as "1.13.1".
inline std::string torch_version() { return TORCH_VERSION; }

/// True where LibTorch was built with CUDA and a device is present.
bool cuda_available();

/// Number of GPUs visible to LibTorch: 0 without CUDA.
int64_t cuda_device_count();

/// Seeds the default CPU generator (and CUDA generators where present).
void manual_seed(uint64_t seed);

}  // namespace tlt::compat
