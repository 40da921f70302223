#include "tlt/synth/synthetic_task.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "support/test_support.h"
#include "synth/synth_test_support.h"
#include "tlt/util/error.h"
#include "tlt/util/torch_compat.h"

namespace tlt::synth {
namespace {

using tlt::testing::tensors_equal;

TaskOptions small_task() {
  TaskOptions options;
  options.n_samples = 1000;
  options.seq_len = 6;
  options.d_model = 8;
  options.n_classes = 4;
  options.teacher_d_k = 4;
  return options;
}

TEST(SyntheticTask, SameSeedGivesIdenticalData) {
  const SyntheticDataset first = make_synthetic_dataset(small_task());
  const SyntheticDataset second = make_synthetic_dataset(small_task());
  EXPECT_TRUE(tensors_equal(first.train.inputs, second.train.inputs));
  EXPECT_TRUE(tensors_equal(first.train.labels, second.train.labels));
  EXPECT_TRUE(tensors_equal(first.valid.inputs, second.valid.inputs));
  EXPECT_TRUE(tensors_equal(first.valid.labels, second.valid.labels));
}

TEST(SyntheticTask, GlobalGeneratorIsUntouched) {
  compat::manual_seed(5);
  const at::Tensor expected = at::rand({4});
  compat::manual_seed(5);
  make_synthetic_dataset(small_task());
  EXPECT_TRUE(tensors_equal(at::rand({4}), expected));
}

TEST(SyntheticTask, OtherSeedGivesOtherData) {
  TaskOptions other = small_task();
  other.seed = 2;
  const SyntheticDataset first = make_synthetic_dataset(small_task());
  const SyntheticDataset second = make_synthetic_dataset(other);
  EXPECT_FALSE(at::equal(first.train.inputs, second.train.inputs));
  EXPECT_FALSE(at::equal(first.train.labels, second.train.labels));
}

TEST(SyntheticTask, SplitSizesFollowTrainFraction) {
  const SyntheticDataset dataset = make_synthetic_dataset(small_task());
  EXPECT_EQ(dataset.train.inputs.sizes(), (std::vector<int64_t>{700, 6, 8}));
  EXPECT_EQ(dataset.train.labels.sizes(), (std::vector<int64_t>{700}));
  EXPECT_EQ(dataset.valid.inputs.sizes(), (std::vector<int64_t>{300, 6, 8}));
  EXPECT_EQ(dataset.valid.labels.sizes(), (std::vector<int64_t>{300}));
  EXPECT_EQ(dataset.train.inputs.scalar_type(), at::kFloat);
  EXPECT_EQ(dataset.train.labels.scalar_type(), at::kLong);
  EXPECT_EQ(dataset.clean_labels.size(0), 1000);
}

TEST(SyntheticTask, DefaultSplitIs21000And9000) {
  const TaskOptions defaults;
  EXPECT_EQ(defaults.n_samples, 30000);
  EXPECT_EQ(count_train_samples(defaults), 21000);
}

TEST(SyntheticTask, LabelsAreNotDegenerate) {
  const SyntheticDataset dataset = make_synthetic_dataset(small_task());
  const TaskStatistics& statistics = dataset.statistics;
  ASSERT_EQ(statistics.class_counts.size(), 4u);
  for (int64_t count : statistics.class_counts) EXPECT_GT(count, 0);
  // A majority class above twice the uniform share would let a constant prediction look competent.
  EXPECT_LT(statistics.majority_fraction, 2.0 / 4.0);
  // Attention must matter for a sizeable share of labels, or the task is a linear one.
  EXPECT_GT(statistics.attention_dependent_fraction, 0.2);
  EXPECT_EQ(statistics.noisy_labels, 0);
}

TEST(SyntheticTask, LabelNoiseReplacesLabelsByWrongClasses) {
  TaskOptions options = small_task();
  options.label_noise = 0.3;
  const SyntheticDataset dataset = make_synthetic_dataset(options);
  const at::Tensor labels = at::cat({dataset.train.labels, dataset.valid.labels});
  const int64_t changed = labels.ne(dataset.clean_labels).sum().item<int64_t>();
  EXPECT_EQ(changed, dataset.statistics.noisy_labels);
  EXPECT_GT(changed, 240);  // 300 expected; the binomial standard deviation is about 14.5
  EXPECT_LT(changed, 360);
  EXPECT_TRUE(tensors_equal(dataset.clean_labels, make_synthetic_dataset(small_task()).clean_labels));
}

TEST(SyntheticTask, MatchesPyTorchReference) {
  const nlohmann::json reference = synth::testing::load_reference();
  const TaskOptions options = synth::testing::reference_task_options(reference);
  const SyntheticDataset dataset = make_synthetic_dataset(options);
  const nlohmann::json& expected = reference.at("task");

  const auto sample = expected.at("inputs_sample0").get<std::vector<double>>();
  const at::Tensor expected_sample = at::tensor(sample, at::kDouble).to(at::kFloat).view({options.seq_len, options.d_model});
  EXPECT_TRUE(tensors_equal(dataset.train.inputs[0], expected_sample));

  const at::Tensor labels = at::cat({dataset.train.labels, dataset.valid.labels});
  EXPECT_TRUE(tensors_equal(labels, at::tensor(expected.at("labels").get<std::vector<int64_t>>(), at::kLong)));
  EXPECT_TRUE(tensors_equal(dataset.clean_labels,
                            at::tensor(expected.at("clean_labels").get<std::vector<int64_t>>(), at::kLong)));
  EXPECT_EQ(dataset.statistics.noisy_labels, expected.at("noisy_labels").get<int64_t>());
  EXPECT_DOUBLE_EQ(dataset.statistics.attention_dependent_fraction,
                   expected.at("attention_dependent_fraction").get<double>());
}

TEST(SyntheticTask, EmptySplitIsRejected) {
  TaskOptions options = small_task();
  options.n_samples = 3;
  options.train_fraction = 0.9;
  try {
    make_synthetic_dataset(options);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("task.n_samples = 3"), std::string::npos) << message;
    EXPECT_NE(message.find("0 validation samples"), std::string::npos) << message;
  }
}

TEST(SyntheticTask, OutOfRangeOptionIsRejected) {
  TaskOptions options = small_task();
  options.n_classes = 1;
  try {
    make_synthetic_dataset(options);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("task.n_classes = 1 is out of range"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tlt::synth
