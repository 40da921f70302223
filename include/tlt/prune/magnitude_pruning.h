// Unstructured magnitude pruning (Han et al. 2015, "Learning both Weights and Connections for Efficient
// Neural Networks"; Frankle and Carbin 2019, "The Lottery Ticket Hypothesis", section 2): the weights with
// the smallest absolute values are removed, either below one threshold over all prunable tensors (global)
// or within each tensor (tensor).
//
// The count is exact. Of R weights that are still unpruned, round(rate * R) are pruned, with halves rounded
// to even as Python's round() does in torch.nn.utils.prune, so the masks equal PyTorch's l1_unstructured and
// global_unstructured wherever no two magnitudes tie. At a tie, the weight that comes first is pruned first:
// first in the order of model::unique_parameters, then in row-major (flat index) order.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include <string>
#include <vector>

#include "tlt/model/parameters.h"
#include "tlt/prune/prune_options.h"
#include "tlt/util/state_dict.h"

namespace tlt::prune {

/// One tensor to prune and the mask it already has.
struct PruneTarget {
  std::string name;   ///< for messages
  at::Tensor weight;  ///< floating point; |weight| ranks the entries
  at::Tensor mask;    ///< float 0/1 of weight's shape: 1 = kept, 0 = already pruned (stays pruned)
};

/// Returns round(rate * remaining), halves to even, the number of weights that one pruning step removes
/// out of `remaining` unpruned ones. Requires 0 <= rate < 1.
int64_t count_to_prune(double rate, int64_t remaining);

/// Prunes the smallest-magnitude unpruned entries and returns the new masks, one per target in order (float
/// 0/1, CPU). Entries that a target's mask already prunes count as pruned and are not candidates, so the
/// rate applies to what remains. Global scope prunes count_to_prune(rate, R) of the R unpruned entries of all
/// targets together. Tensor scope prunes count_to_prune(rate, R_i) in each target i. Throws ConfigError for a
/// rate outside [0, 1), and CheckpointError naming the tensor if a weight is NaN or infinite.
std::vector<at::Tensor> prune_by_magnitude(const std::vector<PruneTarget>& targets, double rate, PruneScope scope);

/// Returns the prunable weights of `module`. These are the unique parameters with 2 or more dimensions
/// (linear and embedding weights, never biases, LayerNorm parameters or buffers) that have a name matching a
/// pattern of options.include and no name matching a pattern of options.exclude. A tied tensor is selected
/// once.
/// Throws ConfigError for an invalid pattern, an include pattern that matches no prunable weight, an exclude
/// pattern that matches no parameter, or an empty selection. Each message lists some valid names.
std::vector<model::UniqueParameter> select_prunable(const torch::nn::Module& module, const PruneOptions& options);

/// One magnitude pruning step over `module`'s prunable weights.
///
/// `weights` (keyed like model::module_state, for example a loaded best.pt) supplies the magnitudes.
/// `existing_mask` (the WeightMask file format: name -> 0/1 tensor, a tied tensor under any of its names;
/// may be empty) marks weights that are already pruned. Returns the new mask under every name of every
/// masked tensor: the selected tensors, and any tensor of `existing_mask` outside the selection, unchanged.
/// Throws ConfigError for a rate outside [0, 1) or a bad pattern, and CheckpointError when `weights` or
/// `existing_mask` do not fit the module.
StateDict compute_magnitude_mask(const torch::nn::Module& module, const StateDict& weights,
                                 const StateDict& existing_mask, const PruneOptions& options);

}  // namespace tlt::prune
