// Pruning masks applied during training: a pruned weight stays exactly zero after every optimizer step.
//
// A mask file is a state_dict of the same format as checkpoints: parameter name -> tensor of the
// parameter's shape with 1 where the weight is kept and 0 where it is pruned. Tensors without an entry
// are not pruned. A tied tensor may be listed under any of its names (or several, with equal values).
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include <string>
#include <vector>

#include "tlt/optim/optimizer.h"
#include "tlt/util/state_dict.h"

namespace tlt::train {

class WeightMask {
 public:
  WeightMask() = default;

  /// Binds `masks` to the parameters of `module`. Throws CheckpointError naming `what` for a name that is
  /// not a parameter, a shape mismatch, values other than 0 and 1, or tied names with different masks.
  WeightMask(const torch::nn::Module& module, const StateDict& masks, const std::string& what);

  bool empty() const { return entries_.empty(); }

  /// Multiplies each masked parameter by its mask, in place and without autograd.
  void apply_to_weights() const;

  /// Multiplies each masked parameter's gradient by its mask (where a gradient exists).
  void apply_to_gradients() const;

  /// Zeroes the optimizer state at pruned positions so momentum cannot revive a pruned weight.
  void apply_to_optimizer(optim::Optimizer& optimizer) const;

  /// Moves the masks to the device of their parameters (after the module moved).
  void follow_parameters();

  /// Fraction of masked-out scalars over all masked tensors.
  double sparsity() const;

 private:
  struct Entry {
    std::string name;
    at::Tensor param;
    at::Tensor mask;
  };
  std::vector<Entry> entries_;
};

}  // namespace tlt::train
