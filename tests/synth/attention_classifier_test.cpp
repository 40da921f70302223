#include "tlt/synth/attention_classifier.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/test_support.h"
#include "tlt/model/parameters.h"
#include "tlt/util/error.h"

namespace tlt::synth {
namespace {

using tlt::testing::tensors_equal;

TaskOptions tiny_task() {
  TaskOptions task;
  task.n_samples = 200;
  task.seq_len = 5;
  task.d_model = 8;
  task.n_classes = 3;
  task.teacher_d_k = 4;
  return task;
}

LearnerOptions tiny_learner() {
  LearnerOptions options;
  options.n_head = 2;
  options.d_k = 4;
  options.d_v = 4;
  return options;
}

TEST(AttentionClassifier, ParameterNamesAreStable) {
  AttentionClassifier learner = make_learner(tiny_task(), tiny_learner(), 1);
  std::vector<std::string> names;
  for (const auto& [name, tensor] : model::module_state(*learner)) names.push_back(name);
  const std::vector<std::string> expected = {
      "attention.fc.weight",  "attention.layer_norm.bias", "attention.layer_norm.weight",
      "attention.w_ks.weight", "attention.w_qs.weight",    "attention.w_vs.weight",
      "classifier.bias",      "classifier.weight"};
  EXPECT_EQ(names, expected);
  EXPECT_EQ(learner->classifier->weight.sizes(), (std::vector<int64_t>{3, 8}));
  EXPECT_EQ(learner->attention->w_qs->weight.sizes(), (std::vector<int64_t>{8, 8}));
}

TEST(AttentionClassifier, ForwardGivesOneLogitPerClass) {
  AttentionClassifier learner = make_learner(tiny_task(), tiny_learner(), 1);
  const at::Tensor logits = learner->forward(at::randn({7, 5, 8}));
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{7, 3}));
}

TEST(AttentionClassifier, WrongWidthThrowsShapeError) {
  AttentionClassifier learner = make_learner(tiny_task(), tiny_learner(), 1);
  EXPECT_THROW(learner->forward(at::randn({2, 5, 6})), ShapeError);
  EXPECT_THROW(learner->forward(at::randn({5, 8})), ShapeError);
}

TEST(AttentionClassifier, SameSeedGivesSameWeights) {
  AttentionClassifier first = make_learner(tiny_task(), tiny_learner(), 3);
  AttentionClassifier second = make_learner(tiny_task(), tiny_learner(), 3);
  AttentionClassifier other = make_learner(tiny_task(), tiny_learner(), 4);
  EXPECT_TRUE(tensors_equal(first->attention->w_qs->weight, second->attention->w_qs->weight));
  EXPECT_TRUE(tensors_equal(first->classifier->bias, second->classifier->bias));
  EXPECT_FALSE(at::equal(first->attention->w_qs->weight, other->attention->w_qs->weight));
}

TEST(AttentionClassifier, EvaluateMatchesWholeSplitLoss) {
  const SyntheticDataset dataset = make_synthetic_dataset(tiny_task());
  AttentionClassifier learner = make_learner(tiny_task(), tiny_learner(), 1);
  learner->train();
  // A batch size that does not divide the split exercises the last, smaller batch.
  const Evaluation evaluation = evaluate(learner, dataset.valid, 7);
  EXPECT_TRUE(learner->is_training());

  learner->eval();
  const at::Tensor logits = learner->forward(dataset.valid.inputs);
  const double expected_loss = at::cross_entropy_loss(logits, dataset.valid.labels).item<double>();
  const double expected_accuracy = logits.argmax(1).eq(dataset.valid.labels).to(at::kDouble).mean().item<double>();
  EXPECT_NEAR(evaluation.loss, expected_loss, 1e-6);
  EXPECT_DOUBLE_EQ(evaluation.accuracy, expected_accuracy);
}

TEST(AttentionClassifier, EvaluateRecordsNoGradient) {
  const SyntheticDataset dataset = make_synthetic_dataset(tiny_task());
  AttentionClassifier learner = make_learner(tiny_task(), tiny_learner(), 1);
  evaluate(learner, dataset.valid);
  for (const auto& parameter : model::unique_parameters(*learner)) {
    EXPECT_FALSE(parameter.tensor.grad().defined()) << parameter.name();
  }
}

TEST(AttentionClassifier, EvaluateRejectsEmptySplit) {
  AttentionClassifier learner = make_learner(tiny_task(), tiny_learner(), 1);
  EXPECT_THROW(evaluate(learner, SyntheticSplit{}), std::invalid_argument);
}

}  // namespace
}  // namespace tlt::synth
