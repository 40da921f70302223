// Compares tlt's optimizers with torch.optim trajectories written by scripts/make_optim_fixtures.py.
// Both run the same ATen kernels in the same order, so the parameters must agree bit for bit in float64
// and float32.
#include <gtest/gtest.h>

#include "optim/optim_test_support.h"
#include "tlt/optim/optimizer.h"
#include "tlt/util/state_dict.h"

namespace tlt::testing {
namespace {

const nlohmann::json& trajectories() {
  static const nlohmann::json fixture = read_optim_fixture("optimizer_trajectories.json");
  return fixture;
}

const std::vector<std::string> kCaseNames = {
    "sgd_plain",
    "sgd_momentum_two_groups",
    "sgd_momentum_dampening",
    "sgd_weight_decay",
    "sgd_maximize",
    "nag_weight_decay",
    "adam_default",
    "adam_weight_decay",
    "adam_amsgrad",
    "adam_maximize",
    "adamw_weight_decay",
    "adamw_amsgrad_two_groups",
    "sgd_nag_float32",
    "adam_float32",
    "adamw_amsgrad_float32",
};

TEST(OptimizerTrajectory, FixtureListsEveryTestedCase) {
  std::vector<std::string> names;
  for (const nlohmann::json& record : trajectories().at("cases")) names.push_back(record.at("name"));
  EXPECT_EQ(names, kCaseNames);
  EXPECT_GE(trajectories().at("steps").get<int>(), 12);
}

class OptimizerTrajectoryCase : public ::testing::TestWithParam<std::string> {};

TEST_P(OptimizerTrajectoryCase, MatchesPyTorchBitForBit) {
  const nlohmann::json& record = find_case(trajectories(), GetParam());
  TrajectoryReplay replay(trajectories(), record);
  auto optimizer = optim::make_optimizer(optimizer_options_from_json(record), replay.groups());

  for (int step = 1; step <= replay.steps(); ++step) {
    replay.apply_lr_change(*optimizer, step);
    replay.set_gradients(step);
    optimizer->step();
    for (const auto& [name, param] : replay.params()) {
      ASSERT_TRUE(tensors_equal(param, replay.expected(name, step))) << name << " after step " << step;
    }
  }
}

TEST_P(OptimizerTrajectoryCase, StateFileRoundTripContinuesIdentically) {
  const nlohmann::json& record = find_case(trajectories(), GetParam());
  const optim::OptimizerOptions options = optimizer_options_from_json(record);
  TrajectoryReplay original(trajectories(), record);
  auto optimizer = optim::make_optimizer(options, original.groups());
  const int half = original.steps() / 2;
  for (int step = 1; step <= half; ++step) {
    original.apply_lr_change(*optimizer, step);
    original.set_gradients(step);
    optimizer->step();
  }

  TempDir dir("optimizer_round_trip");
  save_state_dict(optimizer->state_dict(), dir / "optimizer.pt");
  TrajectoryReplay resumed(trajectories(), record);
  resumed.set_params_to_expected(half);
  // The learning rates of the new groups differ from the saved ones where the case changed them, so the
  // load must restore them.
  auto restored = optim::make_optimizer(options, resumed.groups());
  restored->load_state_dict(load_state_dict(dir / "optimizer.pt"));
  for (size_t group = 0; group < optimizer->param_groups().size(); ++group) {
    EXPECT_EQ(restored->lr(group), optimizer->lr(group)) << "group " << group;
  }

  for (int step = half + 1; step <= original.steps(); ++step) {
    original.apply_lr_change(*optimizer, step);
    original.set_gradients(step);
    optimizer->step();
    resumed.apply_lr_change(*restored, step);
    resumed.set_gradients(step);
    restored->step();
    for (const auto& [name, param] : resumed.params()) {
      ASSERT_TRUE(tensors_equal(param, original.params().at(name))) << name << " after step " << step;
      ASSERT_TRUE(tensors_equal(param, resumed.expected(name, step))) << name << " after step " << step;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(PyTorchCases, OptimizerTrajectoryCase, ::testing::ValuesIn(kCaseNames),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// The fixture script saved PyTorch's own optimizer state after step 6, flattened to tlt's keys; loading
// it and continuing must reproduce PyTorch's remaining steps.
class PyTorchStateCase : public ::testing::TestWithParam<std::string> {};

TEST_P(PyTorchStateCase, ResumesFromPyTorchState) {
  const nlohmann::json& record = find_case(trajectories(), GetParam());
  const int saved_step = 6;
  TrajectoryReplay replay(trajectories(), record);
  replay.set_params_to_expected(saved_step);
  auto optimizer = optim::make_optimizer(optimizer_options_from_json(record), replay.groups());
  optimizer->set_lr(123.0);  // overwritten by the loaded state
  optimizer->load_state_dict(
      load_state_dict(source_dir() / "tests" / "data" / "optim" / (GetParam() + "_state_after_6_steps.pt")));

  for (int step = saved_step + 1; step <= replay.steps(); ++step) {
    replay.apply_lr_change(*optimizer, step);
    replay.set_gradients(step);
    optimizer->step();
    for (const auto& [name, param] : replay.params()) {
      ASSERT_TRUE(tensors_equal(param, replay.expected(name, step))) << name << " after step " << step;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(PyTorchStates, PyTorchStateCase,
                         ::testing::Values("adamw_amsgrad_two_groups", "nag_weight_decay"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace tlt::testing
