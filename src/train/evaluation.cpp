#include "tlt/train/evaluation.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <algorithm>
#include <cmath>

#include "tlt/train/loss.h"

namespace tlt::train {

double EvalResult::loss() const { return n_word > 0 ? loss_sum / static_cast<double>(n_word) : NAN; }

double EvalResult::ppl() const { return std::exp(std::min(loss(), 100.0)); }

double EvalResult::accuracy() const {
  return n_word > 0 ? static_cast<double>(n_correct) / static_cast<double>(n_word) : NAN;
}

EvalResult evaluate(model::Transformer& model, const std::vector<data::Batch>& batches, int64_t pad_idx,
                    double label_smoothing) {
  const bool was_training = model->is_training();
  model->eval();
  torch::NoGradGuard no_grad;
  EvalResult result;
  for (const data::Batch& batch : batches) {
    const int64_t length = batch.trg.size(1) - 1;
    const at::Tensor trg_in = batch.trg.narrow(1, 0, length);
    const at::Tensor gold = batch.trg.narrow(1, 1, length).reshape({-1});
    const at::Tensor logits = model->forward(batch.src, trg_in);
    const LossSums sums = label_smoothed_loss(logits.view({-1, logits.size(2)}), gold, pad_idx, label_smoothing);
    result.loss_sum += sums.loss.item<double>();
    result.n_word += sums.n_word;
    result.n_correct += sums.n_correct;
  }
  model->train(was_training);
  return result;
}

}  // namespace tlt::train
