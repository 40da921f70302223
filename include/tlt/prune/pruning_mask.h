// Pruning masks as files and as tables: the state_dict format that train::WeightMask reads, applying a mask
// to a set of weights, and the per-tensor sparsity that `tlt prune` writes to sparsity.csv.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tlt/util/state_dict.h"

namespace tlt::prune {

/// Checks `masks` against `module` and returns them under every name of each masked tensor, as float 0/1
/// CPU tensors. `masks` may list a tied tensor under any subset of its names. Throws CheckpointError naming
/// `what` for a name that is not a parameter, a shape mismatch, values other than 0 and 1, or tied names
/// with different masks.
StateDict normalize_mask(const torch::nn::Module& module, const StateDict& masks, const std::string& what);

/// Returns a copy of `state` (keyed like model::module_state) with each masked entry multiplied by its
/// mask, so pruned weights are exactly 0. Entries without a mask are copied unchanged.
StateDict apply_mask(const StateDict& state, const StateDict& mask);

/// Pruned scalars of one tensor.
struct TensorSparsity {
  std::string name;    ///< the tensor's first name (model::UniqueParameter::name)
  int64_t numel = 0;   ///< scalars in the tensor
  int64_t pruned = 0;  ///< scalars whose mask is 0
  double sparsity() const { return numel > 0 ? static_cast<double>(pruned) / static_cast<double>(numel) : 0.0; }
};

/// One row per masked unique parameter of `module`, in the order of model::unique_parameters. `mask` is in
/// the normalize_mask format.
std::vector<TensorSparsity> measure_sparsity(const torch::nn::Module& module, const StateDict& mask);

/// Sums the rows into one row named "total".
TensorSparsity total_sparsity(const std::vector<TensorSparsity>& rows);

/// CSV text with the header "name,numel,pruned,sparsity", one line per row and a last "total" line.
std::string format_sparsity_csv(const std::vector<TensorSparsity>& rows);

}  // namespace tlt::prune
