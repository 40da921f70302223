// Principal-component directions of a training trajectory (Li et al. 2018, "Visualizing the Loss Landscape
// of Neural Nets", section 6).
//
// Given the checkpoints theta_0 ... theta_{n-1} of a run and its final weights theta_n, the rows of the
// matrix M = [theta_0 - theta_n; ...; theta_{n-1} - theta_n] are flattened over all unique parameters. M is
// centred (its mean row subtracted, as in standard PCA) and the two leading principal components become the
// x and y directions. The components come from an eigen decomposition of the n x n Gram matrix of the
// centred rows, computed in double precision, so no P x P matrix is ever formed (P = parameter count).
//
// Scaling: as in Li et al. section 6, the directions are the principal axes themselves, of unit Euclidean
// norm, with no filter normalisation; the explained variance ratio of each axis is recorded. Coordinates
// along them are therefore distances in parameter space, and `projections` gives the trajectory's
// coordinates (theta_i - theta_n projected on x and y) so that a grid range can be chosen to cover it.
//
// Sign: an eigenvector is defined up to sign. Each is flipped so that its entry of largest magnitude (one
// value per checkpoint) is positive, the convention of scikit-learn's svd_flip.
#pragma once

#include <torch/nn/module.h>

#include <array>
#include <filesystem>
#include <functional>
#include <vector>

#include "tlt/space/direction.h"

namespace tlt::space {

struct PcaResult {
  Direction x;                                    ///< first principal component, unit norm
  Direction y;                                    ///< second principal component, unit norm
  std::array<double, 2> explained_variance_ratio{};  ///< variance along x and y over the total variance
  std::vector<std::array<double, 2>> projections;    ///< per checkpoint: (theta_i - theta_n) . x and . y
};

/// Computes the PCA directions of the checkpoints against `final_weights` (all keyed like
/// model::module_state). When ignore_1d is true, 1-D parameters are left out of M (zero in both
/// directions), as Li et al. do for biases. Pruned entries (`masks`, WeightMask format) are zero in M.
/// Needs at least 3 checkpoints, because 2 centred rows span one dimension. Holds the n difference rows in
/// float32 memory: about n times the parameter bytes. Throws ConfigError for fewer than 3 checkpoints or
/// when the trajectory does not span two dimensions, and CheckpointError for a checkpoint that does not
/// fit the module.
PcaResult pca_directions(const torch::nn::Module& module, const std::vector<std::filesystem::path>& checkpoints,
                         const StateDict& final_weights, bool ignore_1d, const StateDict& masks = {});

/// Same as above on checkpoints already in memory; `names` identify them in error messages.
PcaResult pca_directions(const torch::nn::Module& module, const std::vector<StateDict>& checkpoints,
                         const std::vector<std::string>& names, const StateDict& final_weights, bool ignore_1d,
                         const StateDict& masks = {});

}  // namespace tlt::space
