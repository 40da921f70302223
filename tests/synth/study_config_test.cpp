#include "tlt/synth/study_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/test_support.h"
#include "tlt/util/error.h"

namespace tlt::synth {
namespace {

namespace fs = std::filesystem;

std::string config_error_of(const std::vector<std::string>& overrides) {
  try {
    load_synth_attn_config("", overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(SynthAttnConfig, DefaultsAreValid) {
  const SynthAttnConfig config = load_synth_attn_config("", {});
  EXPECT_EQ(config.train.settings.size(), 6u);
  EXPECT_EQ(config.sgd.name, optim::OptimizerKind::kSgd);
  EXPECT_EQ(config.nag.name, optim::OptimizerKind::kNag);
  EXPECT_EQ(config.adam.name, optim::OptimizerKind::kAdam);
  EXPECT_GT(config.nag.momentum, 0.0);
}

TEST(SynthAttnConfig, ShippedConfigLoads) {
  const fs::path path = tlt::testing::source_dir() / "configs" / "synth-attn.yaml";
  const SynthAttnConfig config = load_synth_attn_config(path.string(), {});
  EXPECT_EQ(config.task.n_samples, 30000);
  EXPECT_DOUBLE_EQ(config.task.train_fraction, 0.7);
  EXPECT_EQ(parse_settings(config.train.settings, "train.settings").size(), 6u);
  // The file documents the built-in defaults, so it must not drift from them.
  EXPECT_EQ(to_yaml(config), to_yaml(SynthAttnConfig{}));
}

TEST(SynthAttnConfig, ResolvedYamlRoundTrips) {
  const SynthAttnConfig config =
      load_synth_attn_config("", {"train.settings=[adam,nag+plateau]", "optimizers.sgd.lr=0.25", "plateau.patience=4"});
  const std::string yaml = to_yaml(config);
  tlt::testing::TempDir dir("config");
  tlt::testing::write_text(dir / "config.yaml", yaml);
  const SynthAttnConfig reloaded = load_synth_attn_config((dir / "config.yaml").string(), {});
  EXPECT_EQ(reloaded.train.settings, (std::vector<std::string>{"adam", "nag+plateau"}));
  EXPECT_DOUBLE_EQ(reloaded.sgd.lr, 0.25);
  EXPECT_EQ(reloaded.plateau.patience, 4);
  EXPECT_EQ(to_yaml(reloaded), yaml);
}

TEST(SynthAttnConfig, ParseSettingsKeepsOrder) {
  const std::vector<Setting> settings = parse_settings({"adam+plateau", "sgd"}, "--settings");
  ASSERT_EQ(settings.size(), 2u);
  EXPECT_EQ(settings[0].name, "adam+plateau");
  EXPECT_EQ(settings[0].optimizer, optim::OptimizerKind::kAdam);
  EXPECT_TRUE(settings[0].plateau);
  EXPECT_EQ(settings[1].optimizer, optim::OptimizerKind::kSgd);
  EXPECT_FALSE(settings[1].plateau);
}

struct BadInput {
  std::string name;
  std::vector<std::string> overrides;
  std::vector<std::string> fragments;
};

class SynthAttnBadInput : public ::testing::TestWithParam<BadInput> {};

TEST_P(SynthAttnBadInput, IsRejectedWithKeyAndValue) {
  const std::string message = config_error_of(GetParam().overrides);
  ASSERT_FALSE(message.empty()) << "no ConfigError";
  for (const std::string& fragment : GetParam().fragments) {
    EXPECT_NE(message.find(fragment), std::string::npos) << "missing '" << fragment << "' in: " << message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SynthAttnBadInput,
    ::testing::Values(
        BadInput{"UnknownSetting",
                 {"train.settings=[sgd,rmsprop]"},
                 {"invalid setting 'rmsprop'", "train.settings",
                  "sgd | sgd+plateau | nag | nag+plateau | adam | adam+plateau"}},
        BadInput{"RepeatedSetting", {"train.settings=[adam,adam]"}, {"'adam' appears twice"}},
        BadInput{"EmptySettings", {"train.settings=[]"}, {"train.settings is empty"}},
        BadInput{"NegativeLearningRate", {"optimizers.sgd.lr=-0.1"}, {"optimizers.sgd.lr = -0.1 is out of range", ">= 0"}},
        BadInput{"UnknownOptimizerName", {"optimizers.adam.name=rmsprop"}, {"'rmsprop'", "sgd | nag | adam | adamw"}},
        BadInput{"SectionWithOtherOptimizer",
                 {"optimizers.sgd.name=adam"},
                 {"optimizers.sgd.name = adam", "must use sgd"}},
        BadInput{"NagWithoutMomentum", {"optimizers.nag.momentum=0"}, {"optimizers.nag: optimizer nag needs momentum > 0"}},
        BadInput{"PlateauFactorOne", {"plateau.factor=1"}, {"plateau.factor = 1 is out of range", "< 1"}},
        BadInput{"NegativePatience", {"plateau.patience=-1"}, {"plateau.patience = -1 is out of range", ">= 0"}},
        BadInput{"ThresholdModeOther", {"plateau.threshold_mode=relative"}, {"'relative'", "rel | abs"}},
        BadInput{"PlateauModeMax", {"plateau.mode=max"}, {"plateau.mode = max", "set plateau.mode to min"}},
        BadInput{"TooFewSamples", {"task.n_samples=1"}, {"task.n_samples = 1 is out of range", ">= 2"}},
        BadInput{"TrainFractionOne", {"task.train_fraction=1"}, {"task.train_fraction = 1 is out of range", "< 1"}},
        BadInput{"EmptyValidationSplit",
                 {"task.n_samples=3", "task.train_fraction=0.9"},
                 {"task.n_samples = 3", "0 validation samples"}},
        BadInput{"ZeroEpochs", {"train.epochs=0"}, {"train.epochs = 0 is out of range"}},
        BadInput{"UnknownKey", {"train.epoch=3"}, {"unknown config key 'train.epoch'", "train.epochs"}}),
    [](const ::testing::TestParamInfo<BadInput>& info) { return info.param.name; });

TEST(SynthAttnConfig, EveryViolationIsListed) {
  const std::string message = config_error_of({"optimizers.sgd.lr=-1", "plateau.factor=2", "plateau.mode=max"});
  EXPECT_NE(message.find("optimizers.sgd.lr = -1"), std::string::npos) << message;
  EXPECT_NE(message.find("plateau.factor = 2"), std::string::npos) << message;
  EXPECT_NE(message.find("plateau.mode = max"), std::string::npos) << message;
}

TEST(SynthAttnConfig, CodeBuiltConfigIsChecked) {
  SynthAttnConfig config;
  config.adam.lr = -1.0;
  EXPECT_THROW(check_synth_attn_config(config), ConfigError);
}

}  // namespace
}  // namespace tlt::synth
