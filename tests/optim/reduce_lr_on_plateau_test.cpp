#include "tlt/optim/reduce_lr_on_plateau.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <functional>
#include <limits>

#include "optim/optim_test_support.h"
#include "tlt/config/schema.h"
#include "tlt/util/error.h"

namespace tlt::optim {
namespace {

template <class E>
std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const E& e) {
    return e.what();
  }
  return "(no exception)";
}

bool contains(const std::string& text, const std::string& fragment) { return text.find(fragment) != std::string::npos; }

// An SGD optimizer with one scalar parameter per learning rate in `lrs`.
std::unique_ptr<Optimizer> make_sgd(const std::vector<double>& lrs) {
  std::vector<ParamGroup> groups;
  for (double lr : lrs) groups.push_back({{at::zeros({1}, at::kDouble).set_requires_grad(true)}, lr});
  OptimizerOptions options;
  options.name = OptimizerKind::kSgd;
  return make_optimizer(options, groups);
}

PlateauOptions plateau_options_from_json(const nlohmann::json& fixture_options) {
  PlateauOptions options;
  if (fixture_options.contains("mode"))
    options.mode = fixture_options.at("mode") == "max" ? PlateauMode::kMax : PlateauMode::kMin;
  options.factor = fixture_options.value("factor", options.factor);
  options.patience = fixture_options.value("patience", options.patience);
  options.threshold = fixture_options.value("threshold", options.threshold);
  if (fixture_options.contains("threshold_mode")) {
    options.threshold_mode = fixture_options.at("threshold_mode") == "abs" ? ThresholdMode::kAbs : ThresholdMode::kRel;
  }
  options.cooldown = fixture_options.value("cooldown", options.cooldown);
  if (fixture_options.contains("min_lr")) {
    const nlohmann::json& min_lr = fixture_options.at("min_lr");
    options.min_lr = min_lr.is_array() ? min_lr.get<std::vector<double>>() : std::vector<double>{min_lr.get<double>()};
  }
  options.eps = fixture_options.value("eps", options.eps);
  return options;
}

const nlohmann::json& plateau_fixture() {
  static const nlohmann::json fixture = tlt::testing::read_optim_fixture("plateau_lr_sequences.json");
  return fixture;
}

const std::vector<std::string> kPlateauCases = {
    "min_rel_default",          "min_rel_patience_2", "min_abs_patience_0",        "max_rel_cooldown",
    "max_abs_min_lr_per_group", "min_lr_one_value",   "eps_skips_small_reduction", "large_eps_and_cooldown",
};

const nlohmann::json& plateau_case(const std::string& name) {
  for (const nlohmann::json& record : plateau_fixture().at("cases")) {
    if (record.at("name") == name) return record;
  }
  ADD_FAILURE() << "case '" << name << "' is not in plateau_lr_sequences.json";
  static const nlohmann::json empty;
  return empty;
}

TEST(ReduceLROnPlateauFixture, ListsEveryTestedCase) {
  std::vector<std::string> names;
  for (const nlohmann::json& record : plateau_fixture().at("cases")) names.push_back(record.at("name"));
  EXPECT_EQ(names, kPlateauCases);
}

class PlateauCase : public ::testing::TestWithParam<std::string> {};

TEST_P(PlateauCase, MatchesPyTorchLrSequence) {
  const nlohmann::json& record = plateau_case(GetParam());
  auto optimizer = make_sgd(record.at("initial_lrs").get<std::vector<double>>());
  ReduceLROnPlateau scheduler(*optimizer, plateau_options_from_json(record.at("options")));
  const std::vector<double> metrics = record.at("metrics").get<std::vector<double>>();
  ASSERT_GE(metrics.size(), 30u);
  for (size_t i = 0; i < metrics.size(); ++i) {
    const bool reduced = scheduler.step(metrics[i]);
    EXPECT_EQ(reduced, record.at("reduced").at(i).get<bool>()) << "step " << i;
    for (size_t group = 0; group < optimizer->param_groups().size(); ++group) {
      EXPECT_EQ(optimizer->lr(group), record.at("lrs").at(i).at(group).get<double>())
          << "group " << group << " after step " << i << " (metric " << metrics[i] << ")";
    }
  }
  EXPECT_EQ(scheduler.last_epoch(), static_cast<int64_t>(metrics.size()));
}

TEST_P(PlateauCase, StateRoundTripContinuesIdentically) {
  const nlohmann::json& record = plateau_case(GetParam());
  const std::vector<double> initial_lrs = record.at("initial_lrs").get<std::vector<double>>();
  const PlateauOptions options = plateau_options_from_json(record.at("options"));
  const std::vector<double> metrics = record.at("metrics").get<std::vector<double>>();
  auto optimizer = make_sgd(initial_lrs);
  ReduceLROnPlateau scheduler(*optimizer, options);
  const size_t half = metrics.size() / 2;
  for (size_t i = 0; i < half; ++i) scheduler.step(metrics[i]);

  // The learning rates themselves travel in the optimizer's state; copy them as a resume would.
  auto resumed_optimizer = make_sgd(initial_lrs);
  for (size_t group = 0; group < initial_lrs.size(); ++group) resumed_optimizer->set_lr(group, optimizer->lr(group));
  ReduceLROnPlateau resumed(*resumed_optimizer, options);
  resumed.load_state(nlohmann::json::parse(scheduler.state().dump()));

  for (size_t i = half; i < metrics.size(); ++i) {
    EXPECT_EQ(resumed.step(metrics[i]), scheduler.step(metrics[i])) << "step " << i;
    for (size_t group = 0; group < initial_lrs.size(); ++group) {
      EXPECT_EQ(resumed_optimizer->lr(group), record.at("lrs").at(i).at(group).get<double>()) << "step " << i;
      EXPECT_EQ(resumed.scale(group), scheduler.scale(group));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(PyTorchCases, PlateauCase, ::testing::ValuesIn(kPlateauCases),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(ReduceLROnPlateau, InitialBestIsWorstValue) {
  auto optimizer = make_sgd({0.1});
  ReduceLROnPlateau minimum(*optimizer, PlateauOptions{});
  EXPECT_EQ(minimum.best(), std::numeric_limits<double>::infinity());
  PlateauOptions options;
  options.mode = PlateauMode::kMax;
  ReduceLROnPlateau maximum(*optimizer, options);
  EXPECT_EQ(maximum.best(), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(maximum.state().at("best").is_null());
}

// A warmup schedule sets the lr at every step; the scheduler's scale carries the reductions across.
TEST(ReduceLROnPlateau, ScaledLrAppliesReductionsToSchedule) {
  auto optimizer = make_sgd({0.1, 0.1});
  PlateauOptions options;
  options.factor = 0.5;
  options.patience = 0;
  options.min_lr = {0.0, 0.03};
  ReduceLROnPlateau scheduler(*optimizer, options);
  EXPECT_EQ(scheduler.scale(0), 1.0);
  EXPECT_EQ(scheduler.scaled_lr(0.2, 0), 0.2);

  scheduler.step(1.0);
  EXPECT_TRUE(scheduler.step(1.0));  // no improvement, patience 0: both groups to 0.05
  EXPECT_EQ(scheduler.scale(0), 0.5);
  EXPECT_EQ(scheduler.scale(1), 0.5);
  EXPECT_EQ(scheduler.scaled_lr(0.2, 0), 0.1);

  // The schedule's next rate replaces the lr, reduced by the scale; then a second reduction.
  optimizer->set_lr(0, scheduler.scaled_lr(0.08, 0));
  optimizer->set_lr(1, scheduler.scaled_lr(0.08, 1));
  EXPECT_EQ(optimizer->lr(0), 0.04);
  EXPECT_EQ(optimizer->lr(1), 0.04);
  EXPECT_TRUE(scheduler.step(1.0));
  EXPECT_EQ(optimizer->lr(0), 0.02);
  EXPECT_EQ(optimizer->lr(1), 0.03);  // clamped to its min_lr
  EXPECT_EQ(scheduler.scale(0), 0.25);
  EXPECT_EQ(scheduler.scale(1), 0.25);
  EXPECT_EQ(scheduler.scaled_lr(0.08, 1), 0.03);  // floor
  EXPECT_EQ(scheduler.scaled_lr(0.01, 1), 0.01);  // the floor never raises the schedule

  // At the floor, a further reduction changes nothing and does not shrink that group's scale.
  optimizer->set_lr(1, 0.03);
  scheduler.step(1.0);
  EXPECT_EQ(optimizer->lr(1), 0.03);
  EXPECT_EQ(scheduler.scale(1), 0.25);
  EXPECT_EQ(scheduler.scale(0), 0.125);
  EXPECT_THROW(scheduler.scale(2), std::out_of_range);
}

std::string plateau_config_error(const std::string& assignment) {
  PlateauOptions options;
  config::Schema schema;
  bind(schema, "train.plateau.", options);
  return error_of<ConfigError>([&] {
    schema.apply_override(assignment);
    schema.validate(validate(options));
  });
}

TEST(PlateauOptions, YamlSetsEveryField) {
  PlateauOptions options;
  config::Schema schema;
  bind(schema, "train.plateau.", options);
  schema.load_yaml_text(
      "train:\n  plateau:\n    mode: max\n    factor: 0.5\n    patience: 3\n    threshold: 0.01\n"
      "    threshold_mode: abs\n    cooldown: 2\n    min_lr: [0.001, 0.0001]\n    eps: 1.0e-9\n",
      "test.yaml");
  EXPECT_EQ(options.mode, PlateauMode::kMax);
  EXPECT_EQ(options.factor, 0.5);
  EXPECT_EQ(options.patience, 3);
  EXPECT_EQ(options.threshold, 0.01);
  EXPECT_EQ(options.threshold_mode, ThresholdMode::kAbs);
  EXPECT_EQ(options.cooldown, 2);
  EXPECT_EQ(options.min_lr, (std::vector<double>{0.001, 0.0001}));
  EXPECT_EQ(options.eps, 1e-9);
  EXPECT_TRUE(validate(options).empty());
}

TEST(PlateauOptions, FactorOfOneIsRejected) {
  const std::string message = plateau_config_error("train.plateau.factor=1");
  EXPECT_TRUE(contains(message, "train.plateau.factor = 1")) << message;
  EXPECT_TRUE(contains(message, "< 1")) << message;
}

TEST(PlateauOptions, NegativePatienceIsRejected) {
  const std::string message = plateau_config_error("train.plateau.patience=-1");
  EXPECT_TRUE(contains(message, "train.plateau.patience = -1")) << message;
  EXPECT_TRUE(contains(message, ">= 0")) << message;
}

TEST(PlateauOptions, NegativeEpsIsRejected) {
  const std::string message = plateau_config_error("train.plateau.eps=-1");
  EXPECT_TRUE(contains(message, "train.plateau.eps = -1")) << message;
}

TEST(PlateauOptions, UnknownModesListValidNames) {
  const std::string threshold = plateau_config_error("train.plateau.threshold_mode=relative");
  EXPECT_TRUE(contains(threshold, "'relative'")) << threshold;
  EXPECT_TRUE(contains(threshold, "train.plateau.threshold_mode")) << threshold;
  EXPECT_TRUE(contains(threshold, "rel | abs")) << threshold;
  const std::string mode = plateau_config_error("train.plateau.mode=lowest");
  EXPECT_TRUE(contains(mode, "min | max")) << mode;
}

TEST(PlateauOptions, RelativeThresholdOfOneIsRejected) {
  PlateauOptions options;
  options.threshold = 1.0;
  const std::vector<std::string> violations = validate(options);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_TRUE(contains(violations[0], "threshold = 1 with threshold_mode rel")) << violations[0];
  options.threshold_mode = ThresholdMode::kAbs;
  EXPECT_TRUE(validate(options).empty());
}

TEST(ReduceLROnPlateau, MinLrCountMustMatchGroups) {
  auto optimizer = make_sgd({0.1, 0.01});
  PlateauOptions options;
  options.min_lr = {0.0, 0.0, 0.0};
  const std::string message = error_of<ConfigError>([&] { ReduceLROnPlateau scheduler(*optimizer, options); });
  EXPECT_TRUE(contains(message, "min_lr has 3 values")) << message;
  EXPECT_TRUE(contains(message, "2 parameter groups")) << message;
  options.min_lr = {0.001};
  EXPECT_NO_THROW({ ReduceLROnPlateau one_value(*optimizer, options); });
  options.min_lr = {0.001, 0.002};
  EXPECT_NO_THROW({ ReduceLROnPlateau per_group(*optimizer, options); });
}

TEST(ReduceLROnPlateau, ConstructorRejectsOutOfRangeOptions) {
  auto optimizer = make_sgd({0.1});
  PlateauOptions options;
  options.factor = 2.0;
  options.patience = -3;
  const std::string message = error_of<ConfigError>([&] { ReduceLROnPlateau scheduler(*optimizer, options); });
  EXPECT_TRUE(contains(message, "plateau.factor = 2")) << message;
  EXPECT_TRUE(contains(message, "plateau.patience = -3")) << message;
}

TEST(ReduceLROnPlateau, BadStateIsRejectedWithKey) {
  auto optimizer = make_sgd({0.1, 0.01});
  ReduceLROnPlateau scheduler(*optimizer, PlateauOptions{});
  scheduler.step(1.0);
  const nlohmann::json good = scheduler.state();

  nlohmann::json missing = good;
  missing.erase("num_bad_epochs");
  const std::string message = error_of<CheckpointError>([&] { scheduler.load_state(missing); });
  EXPECT_TRUE(contains(message, "'num_bad_epochs'")) << message;

  nlohmann::json wrong_mode = good;
  wrong_mode["mode"] = "max";
  const std::string mode = error_of<CheckpointError>([&] { scheduler.load_state(wrong_mode); });
  EXPECT_TRUE(contains(mode, "'mode' is 'max'")) << mode;

  nlohmann::json wrong_scales = good;
  wrong_scales["scales"] = nlohmann::json::array({1.0});
  const std::string scales = error_of<CheckpointError>([&] { scheduler.load_state(wrong_scales); });
  EXPECT_TRUE(contains(scales, "'scales' has 1 values")) << scales;

  nlohmann::json wrong_type = good;
  wrong_type["best"] = "low";
  EXPECT_TRUE(contains(error_of<CheckpointError>([&] { scheduler.load_state(wrong_type); }), "'best'"));
  EXPECT_THROW(scheduler.load_state(nlohmann::json::array()), CheckpointError);
  EXPECT_EQ(scheduler.best(), 1.0) << "a failed load must not change the state";
}

}  // namespace
}  // namespace tlt::optim
