// Directions in parameter space, shared by `tlt landscape` (loss surfaces) and `tlt prune` (perturbed inits).
//
// A direction holds one tensor per unique trainable parameter of a module, keyed by the parameter's first
// registered name (model::unique_parameters(module)[i].name()) and shaped like it. A tied tensor (shared
// embeddings and output projection) therefore gets one direction, and buffers (the sinusoidal position
// tables) never have entries, so they are never perturbed. Directions are saved with save_state_dict, in
// the checkpoint format, so that several models can be compared along the same directions.
//
// Random directions follow Li, Xu, Taylor, Studer and Goldstein, "Visualizing the Loss Landscape of Neural
// Nets" (NeurIPS 2018), section 4: a Gaussian direction d is rescaled against the weights theta so that
// plots of models with different weight scales are comparable. For a weight with 2 or more dimensions:
//
//   filter  each row i (a slice along dimension 0: an output neuron of a linear layer, a token of an
//           embedding) becomes d_i / ||d_i|| * ||theta_i||, their equation in section 4
//   layer   the whole tensor becomes d / ||d|| * ||theta||
//   weight  each element becomes d * theta, so a step of 1 changes every weight by its own size
//   none    d is left as drawn from N(0, 1)
//
// A 1-D parameter (linear bias, LayerNorm weight and bias) is zero in the direction when ignore_1d is true,
// the default of Li et al.'s plots. When ignore_1d is false, its direction is a copy of the parameter
// itself, so a step of 1 along the direction doubles it. This is how Li et al.'s implementation treats
// biases and batch-norm parameters when they are included.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tlt/util/state_dict.h"

namespace tlt::space {

/// How a random direction is scaled to the weights (Li et al. 2018, section 4).
enum class Normalization {
  kFilter,  ///< "filter": each row to the norm of the weight's row
  kLayer,   ///< "layer": the whole tensor to the norm of the weight
  kWeight,  ///< "weight": elementwise product with the weight
  kNone,    ///< "none": unnormalised N(0, 1) entries
};

/// The valid spellings of Normalization on the command line and in YAML.
const std::vector<std::pair<std::string, Normalization>>& normalization_names();

/// The spelling of `normalization` in normalization_names(), for example "filter".
std::string normalization_name(Normalization normalization);

/// Parses a name of normalization_names(). Throws ConfigError listing the valid names.
Normalization parse_normalization(const std::string& text);

struct DirectionOptions {
  Normalization normalization = Normalization::kFilter;  ///< scaling of each tensor of the direction
  bool ignore_1d = true;  ///< true: 1-D parameters get 0; false: a copy of the parameter (see the file comment)
  uint64_t seed = 0;      ///< seed of the direction's own generator (the global generator is untouched)
};

/// One tensor per unique trainable parameter, keyed by its first name, same shape and dtype as the parameter.
using Direction = StateDict;

/// Draws a Gaussian direction and normalises each tensor against `weights` (keyed like model::module_state,
/// usually the module's current values) as `options` says. The draws come from a CPU generator seeded with
/// options.seed, in the order of model::unique_parameters, one torch.randn per tensor, so Python's
/// torch.randn(shape, generator=torch.Generator().manual_seed(seed)) in that order draws the same values.
///
/// `masks` uses the format of train::WeightMask files (name -> 0/1 tensor of the parameter's shape, a tied
/// tensor under any of its names). Pruned entries are zero in the direction, and normalisation measures the
/// masked weight (weights * mask), so a direction around a pruned model keeps its pruned weights at zero
/// and has the row norms of the weights that remain. Throws CheckpointError when `weights` or `masks` do
/// not fit the module (missing key, shape mismatch, a mask name that is not a parameter).
Direction random_direction(const torch::nn::Module& module, const StateDict& weights, const DirectionOptions& options,
                           const StateDict& masks = {});

/// Returns to - from for every unique parameter (the study's x axis: w* - w0), with pruned entries set to
/// zero as in random_direction. Throws CheckpointError when `from`, `to` or `masks` do not fit the module.
Direction target_direction(const torch::nn::Module& module, const StateDict& from, const StateDict& to,
                           const StateDict& masks = {});

/// Checks a loaded direction against the module: one entry per unique parameter under its first name, with
/// the parameter's shape, floating point, and no other keys. Throws CheckpointError naming `what` (for
/// example "direction file runs/base/x.pt") with the first missing, unexpected or mismatched key.
void check_direction(const torch::nn::Module& module, const Direction& direction, const std::string& what);

/// Writes base + sum_i coefficients[i] * directions[i] into the module's parameters in place: no tensor is
/// reallocated and autograd records nothing. A tied tensor is written once and buffers are untouched.
/// `base` is keyed like model::module_state and must hold every unique parameter's first name. Throws
/// std::invalid_argument when the two vectors differ in length; the tensors are assumed checked (use
/// check_direction and check_state_dict_matches on loaded files first).
void set_weights(torch::nn::Module& module, const StateDict& base, const std::vector<const Direction*>& directions,
                 const std::vector<double>& coefficients);

/// Computes the same values as set_weights but returns them as a new StateDict under every name, like
/// model::module_state (tied tensors under each name, buffers copied from `base`), leaving the module as is.
StateDict combine(const torch::nn::Module& module, const StateDict& base,
                  const std::vector<const Direction*>& directions, const std::vector<double>& coefficients);

/// Euclidean norm of the whole direction, over all of its tensors (as double).
double direction_norm(const Direction& direction);

/// Returns the mask of the parameter with these names, or an undefined tensor when it is not pruned. Looks
/// each name up in `masks` (the WeightMask file format: any name of a tied tensor may carry the mask).
at::Tensor find_mask(const StateDict& masks, const std::vector<std::string>& names);

/// Checks that every key of `masks` names a parameter of the module and has its shape. Throws
/// CheckpointError naming `what` otherwise.
void check_masks(const torch::nn::Module& module, const StateDict& masks, const std::string& what);

}  // namespace tlt::space
