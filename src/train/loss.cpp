#include "tlt/train/loss.h"

#include <ATen/ATen.h>

#include "tlt/util/shapes.h"

namespace tlt::train {

LossSums label_smoothed_loss(const at::Tensor& logits, const at::Tensor& gold, int64_t pad_idx, double eps,
                             bool count_correct) {
  check_shape(logits, {-1, -1}, "logits [N, V]");
  check_shape(gold, {logits.size(0)}, "gold [N]");
  const int64_t vocab = logits.size(1);

  const at::Tensor keep = gold.ne(pad_idx);                      // [N]
  const at::Tensor log_probs = at::log_softmax(logits, 1);        // [N, V]
  at::Tensor token_loss = -log_probs.gather(1, gold.unsqueeze(1)).squeeze(1);  // [N]
  if (eps > 0) {
    const double other = eps / static_cast<double>(vocab - 1);
    token_loss = token_loss * (1.0 - eps - other) - log_probs.sum(1) * other;
  }

  LossSums sums;
  sums.loss = token_loss.masked_select(keep).sum();
  sums.n_word = keep.sum().item<int64_t>();
  if (count_correct) {
    const at::Tensor predicted = std::get<1>(logits.detach().max(1));
    sums.n_correct = (predicted.eq(gold) & keep).sum().item<int64_t>();
  }
  return sums;
}

}  // namespace tlt::train
