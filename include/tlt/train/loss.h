// Token-level loss and accuracy of a translation model.
#pragma once

#include <ATen/core/Tensor.h>

namespace tlt::train {

/// Sums over the non-pad tokens of one batch.
struct LossSums {
  at::Tensor loss;        ///< scalar: summed (label-smoothed) cross-entropy, differentiable
  int64_t n_correct = 0;  ///< tokens whose argmax equals the gold token
  int64_t n_word = 0;     ///< non-pad gold tokens
};

/// Label-smoothed cross-entropy summed over the tokens where gold != pad_idx.
///
/// The target distribution puts 1 - eps on the gold token and eps / (V - 1) on every other class
/// (Szegedy et al. 2016, section 7, in the variant of the reference reimplementation). With log-probabilities
/// lp, a token's loss is -(1 - eps - eps/(V-1)) * lp[gold] - eps/(V-1) * sum(lp), so no one-hot matrix is
/// built. eps = 0 gives plain cross-entropy.
///
/// logits [N, V], gold [N] int64.
LossSums label_smoothed_loss(const at::Tensor& logits, const at::Tensor& gold, int64_t pad_idx, double eps,
                             bool count_correct = true);

}  // namespace tlt::train
