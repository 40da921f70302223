#include "tlt/train/loss.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "support/test_support.h"

namespace tlt::train {
namespace {

// The smoothed loss without a one-hot matrix equals the reference's dense formula.
TEST(LabelSmoothedLoss, MatchesDenseOneHotFormula) {
  at::manual_seed(3);
  const at::Tensor logits = at::randn({6, 11}, at::kDouble);
  const at::Tensor gold = at::tensor({3, 0, 5, 10, 0, 1}, at::kLong);
  const double eps = 0.1;

  const at::Tensor one_hot = at::zeros_like(logits).scatter(1, gold.view({-1, 1}), 1.0);
  const at::Tensor target = one_hot * (1 - eps) + (1 - one_hot) * eps / 10.0;
  const at::Tensor dense = -(target * at::log_softmax(logits, 1)).sum(1);
  const double expected = dense.masked_select(gold.ne(0)).sum().item<double>();

  const LossSums sums = label_smoothed_loss(logits, gold, /*pad_idx=*/0, eps);
  EXPECT_NEAR(sums.loss.item<double>(), expected, 1e-12);
  EXPECT_EQ(sums.n_word, 4);
}

TEST(LabelSmoothedLoss, ZeroEpsIsCrossEntropy) {
  at::manual_seed(4);
  const at::Tensor logits = at::randn({5, 7}, at::kDouble);
  const at::Tensor gold = at::tensor({1, 2, 0, 6, 3}, at::kLong);
  const double expected = at::nll_loss(at::log_softmax(logits, 1), gold, {}, at::Reduction::Sum, 0).item<double>();
  EXPECT_NEAR(label_smoothed_loss(logits, gold, 0, 0.0).loss.item<double>(), expected, 1e-12);
}

TEST(LabelSmoothedLoss, CountsCorrectNonPadTokens) {
  const at::Tensor logits = at::tensor({0.0, 5.0, 0.0, 5.0, 0.0, 0.0, 0.0, 0.0, 5.0}, at::kFloat).view({3, 3});
  const at::Tensor gold = at::tensor({1, 1, 0}, at::kLong);
  const LossSums sums = label_smoothed_loss(logits, gold, 0, 0.1);
  EXPECT_EQ(sums.n_word, 2);
  EXPECT_EQ(sums.n_correct, 1);
}

}  // namespace
}  // namespace tlt::train
