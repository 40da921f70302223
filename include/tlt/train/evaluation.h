// Evaluation of a translation model on a fixed set of batches: loss, perplexity and token accuracy.
#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

#include "tlt/data/batching.h"
#include "tlt/model/transformer.h"

namespace tlt::train {

/// Totals over an evaluation set; derived values use the token count.
struct EvalResult {
  double loss_sum = 0.0;  ///< summed cross-entropy (label smoothing as configured)
  int64_t n_word = 0;     ///< non-pad target tokens
  int64_t n_correct = 0;  ///< tokens predicted correctly (argmax)
  double loss() const;    ///< loss per token
  double ppl() const;     ///< exp(min(loss, 100)), as the reference caps it
  double accuracy() const;
};

/// Evaluates `model` in eval mode without autograd on pre-collated batches, then restores its training
/// flag. `label_smoothing` 0 gives plain cross-entropy (the validation metric of the reference).
EvalResult evaluate(model::Transformer& model, const std::vector<data::Batch>& batches, int64_t pad_idx,
                    double label_smoothing = 0.0);

}  // namespace tlt::train
