#include "tlt/prune/retrain_init.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "prune/prune_test_support.h"
#include "support/test_support.h"
#include "tlt/model/parameters.h"
#include "tlt/prune/magnitude_pruning.h"
#include "tlt/prune/pruning_mask.h"
#include "tlt/space/direction.h"
#include "tlt/util/error.h"

namespace tlt::prune {
namespace {

using testing::small_transformer;
using tlt::testing::TempDir;
using tlt::testing::tensors_close;
using tlt::testing::tensors_equal;

bool states_equal(const StateDict& a, const StateDict& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, tensor] : a) {
    if (!b.count(name) || !at::equal(tensor, b.at(name))) return false;
  }
  return true;
}

TEST(RandomInit, SameSeedGivesSameWeights) {
  const auto model = small_transformer();
  const StateDict first = random_init(model->options(), 20, 42);
  const StateDict second = random_init(model->options(), 20, 42);
  EXPECT_TRUE(states_equal(first, second));
  EXPECT_EQ(first.size(), model::module_state(*model).size());
}

TEST(RandomInit, OtherSeedGivesOtherWeights) {
  const auto model = small_transformer();
  const StateDict first = random_init(model->options(), 20, 42);
  const StateDict second = random_init(model->options(), 20, 43);
  EXPECT_FALSE(at::equal(first.at("encoder.layer_stack.0.pos_ffn.w_1.weight"),
                         second.at("encoder.layer_stack.0.pos_ffn.w_1.weight")));
  // Buffers are not random: the position tables agree.
  EXPECT_TRUE(at::equal(first.at("encoder.position_enc.pos_table"), second.at("encoder.position_enc.pos_table")));
}

TEST(RandomInit, EqualsTheModelBuiltAfterSeeding) {
  // tlt train seeds with train.seed and then builds the model, so random_init(S) is a run's w0 for seed S.
  const StateDict init = random_init(small_transformer()->options(), 20, 3);
  EXPECT_TRUE(states_equal(init, model::clone_state(model::module_state(*small_transformer(3)))));
}

TEST(PerturbedInit, EqualsItsFormula) {
  const auto model = small_transformer();
  const StateDict w0 = random_init(model->options(), 20, 1);
  const StateDict trained = random_init(model->options(), 20, 2);
  PruneOptions prune;
  prune.rate = 0.5;
  const StateDict mask = compute_magnitude_mask(*model, trained, {}, prune);
  InitOptions options;
  options.mode = InitMode::kPerturbed;
  options.alpha = 0.25;
  options.beta = -0.5;
  options.direction_seed = 9;

  const StateDict init = apply_mask(perturbed_init(*model, w0, trained, options, mask), mask);

  const space::Direction y = space::random_direction(*model, w0, direction_options(options), mask);
  for (const auto& parameter : model::unique_parameters(*model)) {
    const std::string& name = parameter.name();
    at::Tensor expected = w0.at(name) + 0.25 * (trained.at(name) - w0.at(name)) - 0.5 * y.at(name);
    if (mask.count(name)) expected = expected * mask.at(name);
    for (const std::string& alias : parameter.names) {
      EXPECT_TRUE(tensors_close(init.at(alias), expected, 1e-6)) << alias;
    }
  }
  EXPECT_TRUE(testing::pruned_entries_are_zero(init, mask));
  EXPECT_TRUE(tensors_equal(init.at("decoder.position_enc.pos_table"), w0.at("decoder.position_enc.pos_table")));
}

TEST(PerturbedInit, AlphaOneAndBetaZeroGiveTrainedWeights) {
  const auto model = small_transformer();
  const StateDict w0 = random_init(model->options(), 20, 1);
  const StateDict trained = random_init(model->options(), 20, 2);
  InitOptions options;
  options.mode = InitMode::kPerturbed;
  options.alpha = 1.0;
  const StateDict init = perturbed_init(*model, w0, trained, options, {});
  for (const auto& parameter : model::unique_parameters(*model)) {
    EXPECT_TRUE(tensors_close(init.at(parameter.name()), trained.at(parameter.name()), 1e-6)) << parameter.name();
  }
}

TEST(RewindCheckpoint, MissingFilesNameTheSetting) {
  TempDir dir("run");
  try {
    rewind_checkpoint_path(dir.path(), parse_rewind_point("epoch:3"));
    FAIL() << "expected CheckpointError";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("epoch_003.pt not found"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("train.save: all"), std::string::npos) << e.what();
  }
  try {
    rewind_checkpoint_path(dir.path(), parse_rewind_point("step:40"));
    FAIL() << "expected CheckpointError";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("step_000040.pt not found"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("train.save_steps"), std::string::npos) << e.what();
  }
  EXPECT_THROW(recorded_init_path(dir.path()), CheckpointError);
}

TEST(RewindPoint, ParsesEpochsAndSteps) {
  const RewindPoint epoch = parse_rewind_point("epoch:2");
  EXPECT_EQ(epoch.unit, RewindPoint::Unit::kEpoch);
  EXPECT_EQ(epoch.index, 2);
  const RewindPoint step = parse_rewind_point("step:1500");
  EXPECT_EQ(step.unit, RewindPoint::Unit::kStep);
  EXPECT_EQ(step.index, 1500);
  for (const char* bad : {"epoch", "epoch:", "epoch:0", "epoch:-1", "iteration:3", "step:1.5", "step:3x"}) {
    try {
      parse_rewind_point(bad);
      ADD_FAILURE() << "expected ConfigError for " << bad;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("'") + bad + "'"), std::string::npos) << e.what();
    }
  }
}

TEST(InitOptions, ValidateReportsOptionsOfOtherModes) {
  InitOptions checkpoint;
  checkpoint.mode = InitMode::kCheckpoint;
  ASSERT_EQ(validate(checkpoint).size(), 1u);
  EXPECT_NE(validate(checkpoint)[0].find("--rewind-to"), std::string::npos);

  InitOptions rewind;
  rewind.alpha = 0.5;
  rewind.seed = 4;
  rewind.rewind_to = "epoch:1";
  EXPECT_EQ(validate(rewind).size(), 3u);

  InitOptions perturbed;
  perturbed.mode = InitMode::kPerturbed;
  perturbed.alpha = 0.5;
  EXPECT_TRUE(validate(perturbed).empty());
}

}  // namespace
}  // namespace tlt::prune
