// Named access to a module's tensors: state_dicts, tied parameters and loading checkpoints.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include <string>
#include <vector>

#include "tlt/util/state_dict.h"

namespace tlt::model {

/// One trainable tensor and every name it is registered under. Tied weights (shared embeddings and
/// output projection) are one tensor with several names; `names` is in registration order.
struct UniqueParameter {
  std::vector<std::string> names;
  at::Tensor tensor;
  const std::string& name() const { return names.front(); }
};

/// Trainable parameters without duplicates, in registration order.
std::vector<UniqueParameter> unique_parameters(const torch::nn::Module& module);

/// Number of trainable scalars, counting each tied tensor once.
int64_t count_parameters(const torch::nn::Module& module);

/// Parameters and buffers under every name (tied tensors appear under each of their names), detached
/// and sharing storage with the module: copy them before the module changes if a snapshot is needed.
StateDict module_state(const torch::nn::Module& module);

/// Deep copy of module_state() on the CPU.
StateDict clone_state(const StateDict& state);

/// Copies `state` into the module in place (no reallocation). Checks keys and shapes first and that
/// tied names hold equal values; throws CheckpointError naming `what` on any mismatch.
void load_module_state(torch::nn::Module& module, const StateDict& state, const std::string& what);

}  // namespace tlt::model
