#include "tlt/optim/optimizer.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <functional>
#include <stdexcept>

#include "support/test_support.h"
#include "tlt/config/schema.h"
#include "tlt/util/error.h"

namespace tlt::optim {
namespace {

using tlt::testing::tensors_equal;

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

// Returns the ConfigError of applying `assignment` to a fresh schema and validating it.
std::string config_error(const std::string& assignment) {
  OptimizerOptions options;
  config::Schema schema;
  bind(schema, "train.optimizer.", options);
  return error_of<ConfigError>([&] {
    schema.apply_override(assignment);
    schema.validate(validate(options));
  });
}

at::Tensor make_param(std::vector<int64_t> shape, double start) {
  const int64_t count = at::zeros(shape).numel();
  return at::arange(count, at::TensorOptions().dtype(at::kDouble))
      .add(start)
      .mul(0.1)
      .reshape(shape)
      .set_requires_grad(true);
}

void set_grad(const at::Tensor& param, double value) { param.mutable_grad() = at::full_like(param, value).detach(); }

TEST(OptimizerOptions, DefaultsMatchPyTorchAdam) {
  const OptimizerOptions options;
  EXPECT_EQ(options.name, OptimizerKind::kAdam);
  EXPECT_EQ(options.lr, 1e-3);
  EXPECT_EQ(options.beta1, 0.9);
  EXPECT_EQ(options.beta2, 0.999);
  EXPECT_EQ(options.eps, 1e-8);
  EXPECT_TRUE(validate(options).empty());
}

TEST(OptimizerOptions, YamlSetsEveryField) {
  OptimizerOptions options;
  config::Schema schema;
  bind(schema, "train.optimizer.", options);
  schema.load_yaml_text(
      "train:\n  optimizer:\n    name: nag\n    lr: 0.5\n    momentum: 0.9\n    dampening: 0\n"
      "    weight_decay: 0.01\n    beta1: 0.8\n    beta2: 0.99\n    eps: 1.0e-6\n    amsgrad: true\n"
      "    maximize: true\n",
      "test.yaml");
  EXPECT_EQ(options.name, OptimizerKind::kNag);
  EXPECT_EQ(options.lr, 0.5);
  EXPECT_EQ(options.momentum, 0.9);
  EXPECT_EQ(options.weight_decay, 0.01);
  EXPECT_EQ(options.beta1, 0.8);
  EXPECT_EQ(options.beta2, 0.99);
  EXPECT_EQ(options.eps, 1e-6);
  EXPECT_TRUE(options.amsgrad);
  EXPECT_TRUE(options.maximize);
}

TEST(OptimizerOptions, NamesRoundTrip) {
  for (OptimizerKind kind : {OptimizerKind::kSgd, OptimizerKind::kNag, OptimizerKind::kAdam, OptimizerKind::kAdamW}) {
    EXPECT_EQ(parse_optimizer_kind(to_string(kind)), kind);
  }
}

TEST(OptimizerOptions, UnknownNameListsEveryName) {
  const std::string message = config_error("train.optimizer.name=rmsprop");
  EXPECT_TRUE(contains(message, "'rmsprop'")) << message;
  EXPECT_TRUE(contains(message, "train.optimizer.name")) << message;
  EXPECT_TRUE(contains(message, "sgd | nag | adam | adamw")) << message;
  const std::string parsed = error_of<ConfigError>([] { parse_optimizer_kind("Adam"); });
  EXPECT_TRUE(contains(parsed, "'Adam'")) << parsed;
  EXPECT_TRUE(contains(parsed, "sgd | nag | adam | adamw")) << parsed;
}

TEST(OptimizerOptions, NegativeLrNamesKeyAndRange) {
  const std::string message = config_error("train.optimizer.lr=-0.5");
  EXPECT_TRUE(contains(message, "train.optimizer.lr = -0.5")) << message;
  EXPECT_TRUE(contains(message, ">= 0")) << message;
}

TEST(OptimizerOptions, NegativeEpsAndWeightDecayAreRejected) {
  const std::string eps = config_error("train.optimizer.eps=-1e-8");
  EXPECT_TRUE(contains(eps, "train.optimizer.eps = -1e-08")) << eps;
  EXPECT_TRUE(contains(eps, ">= 0")) << eps;
  const std::string decay = config_error("train.optimizer.weight_decay=-0.1");
  EXPECT_TRUE(contains(decay, "train.optimizer.weight_decay = -0.1")) << decay;
}

TEST(OptimizerOptions, BetasOutsideUnitIntervalAreRejected) {
  const std::string one = config_error("train.optimizer.beta1=1");
  EXPECT_TRUE(contains(one, "train.optimizer.beta1 = 1")) << one;
  EXPECT_TRUE(contains(one, "< 1")) << one;
  const std::string negative = config_error("train.optimizer.beta2=-0.1");
  EXPECT_TRUE(contains(negative, "train.optimizer.beta2 = -0.1")) << negative;
  EXPECT_TRUE(contains(negative, ">= 0")) << negative;
}

TEST(OptimizerOptions, NagWithoutMomentumIsRejected) {
  OptimizerOptions options;
  options.name = OptimizerKind::kNag;
  const std::vector<std::string> violations = validate(options);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_TRUE(contains(violations[0], "nag needs momentum > 0")) << violations[0];
  EXPECT_TRUE(contains(violations[0], "momentum = 0")) << violations[0];
}

TEST(OptimizerOptions, NagWithDampeningIsRejected) {
  OptimizerOptions options;
  options.name = OptimizerKind::kNag;
  options.momentum = 0.9;
  options.dampening = 0.1;
  const std::vector<std::string> violations = validate(options);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_TRUE(contains(violations[0], "nag needs dampening = 0")) << violations[0];
  EXPECT_TRUE(contains(violations[0], "dampening = 0.1")) << violations[0];
}

TEST(MakeOptimizer, InvalidOptionsAreRejectedTogether) {
  OptimizerOptions options;
  options.name = OptimizerKind::kNag;
  options.lr = -1.0;
  options.beta2 = 1.5;
  const std::string message = error_of<ConfigError>([&] { make_optimizer(options, {{{make_param({2}, 0)}, 0.1}}); });
  EXPECT_TRUE(contains(message, "optimizer.lr = -1")) << message;
  EXPECT_TRUE(contains(message, "optimizer.beta2 = 1.5")) << message;
  EXPECT_TRUE(contains(message, "nag needs momentum > 0")) << message;
}

TEST(MakeOptimizer, NegativeGroupLrIsRejected) {
  const std::string message = error_of<ConfigError>([&] {
    make_optimizer(OptimizerOptions{}, {{{make_param({2}, 0)}, -0.1}});
  });
  EXPECT_TRUE(contains(message, "parameter group 0 has lr = -0.1")) << message;
}

TEST(MakeOptimizer, BadParameterListsAreRejected) {
  const at::Tensor param = make_param({2}, 0);
  EXPECT_THROW(make_optimizer(OptimizerOptions{}, {}), std::invalid_argument);
  EXPECT_THROW(make_optimizer(OptimizerOptions{}, {{{}, 0.1}}), std::invalid_argument);
  EXPECT_THROW(make_optimizer(OptimizerOptions{}, {{{at::Tensor()}, 0.1}}), std::invalid_argument);
  const std::string twice = error_of<std::invalid_argument>([&] {
    make_optimizer(OptimizerOptions{}, {{{param}, 0.1}, {{param}, 0.2}});
  });
  EXPECT_TRUE(contains(twice, "more than once")) << twice;
}

TEST(Optimizer, LrPerGroup) {
  auto optimizer = make_optimizer(OptimizerOptions{}, {{{make_param({2}, 0)}, 0.1}, {{make_param({3}, 0)}, 0.2}});
  EXPECT_EQ(optimizer->lr(0), 0.1);
  EXPECT_EQ(optimizer->lr(1), 0.2);
  optimizer->set_lr(1, 0.05);
  EXPECT_EQ(optimizer->lr(1), 0.05);
  optimizer->set_lr(0.01);
  EXPECT_EQ(optimizer->lr(0), 0.01);
  EXPECT_EQ(optimizer->lr(1), 0.01);
  EXPECT_THROW(optimizer->lr(2), std::out_of_range);
  EXPECT_THROW(optimizer->set_lr(2, 0.1), std::out_of_range);
}

TEST(Optimizer, ZeroGradZeroesInPlaceByDefault) {
  const at::Tensor param = make_param({3}, 0);
  auto optimizer = make_optimizer(OptimizerOptions{}, {{{param}, 0.1}});
  set_grad(param, 2.0);
  optimizer->zero_grad();
  ASSERT_TRUE(param.grad().defined());
  EXPECT_TRUE(tensors_equal(param.grad(), at::zeros_like(param)));
  optimizer->zero_grad(/*set_to_none=*/true);
  EXPECT_FALSE(param.grad().defined());
}

TEST(Optimizer, ParameterWithoutGradientIsSkipped) {
  const at::Tensor with_grad = make_param({3}, 0);
  const at::Tensor without_grad = make_param({2}, 5);
  const at::Tensor before = without_grad.detach().clone();
  OptimizerOptions options;
  options.weight_decay = 0.1;
  auto optimizer = make_optimizer(options, {{{with_grad, without_grad}, 0.1}});
  set_grad(with_grad, 1.0);
  optimizer->step();
  EXPECT_TRUE(tensors_equal(without_grad, before));
  const StateDict state = optimizer->state_dict();
  EXPECT_EQ(state.count("state.0.exp_avg"), 1u);
  EXPECT_EQ(state.count("state.1.exp_avg"), 0u);
}

TEST(Optimizer, StateDictKeysFollowPyTorch) {
  const at::Tensor matrix = make_param({2, 3}, 0);
  const at::Tensor vector = make_param({3}, 1);
  OptimizerOptions options;
  options.name = OptimizerKind::kAdamW;
  options.amsgrad = true;
  auto optimizer = make_optimizer(options, {{{matrix}, 0.1}, {{vector}, 0.2}});
  set_grad(matrix, 1.0);
  set_grad(vector, -1.0);
  optimizer->step();
  optimizer->step();
  const StateDict state = optimizer->state_dict();
  std::vector<std::string> keys;
  for (const auto& [key, tensor] : state) keys.push_back(key);
  const std::vector<std::string> expected = {"param_groups.0.lr",  "param_groups.1.lr",      "state.0.exp_avg",
                                             "state.0.exp_avg_sq", "state.0.max_exp_avg_sq", "state.0.step",
                                             "state.1.exp_avg",    "state.1.exp_avg_sq",     "state.1.max_exp_avg_sq",
                                             "state.1.step"};
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(state.at("state.1.step").scalar_type(), at::kFloat);
  EXPECT_EQ(state.at("state.1.step").item<double>(), 2.0);
  EXPECT_EQ(state.at("param_groups.1.lr").item<double>(), 0.2);

  OptimizerOptions sgd;
  sgd.name = OptimizerKind::kSgd;
  sgd.momentum = 0.9;
  auto momentum = make_optimizer(sgd, {{{matrix}, 0.1}});
  momentum->step();
  EXPECT_EQ(momentum->state_dict().count("state.0.momentum_buffer"), 1u);
}

// The trainer's pruning loop: mask the gradients, step, re-apply the mask to the weights. With the
// state masked once at pruning time, pruned weights stay exactly zero and their state stays zero.
TEST(Optimizer, MaskStateKeepsPrunedEntriesAtZero) {
  for (OptimizerKind kind : {OptimizerKind::kSgd, OptimizerKind::kNag, OptimizerKind::kAdam, OptimizerKind::kAdamW}) {
    SCOPED_TRACE(to_string(kind));
    const at::Tensor param = make_param({2, 3}, 1);
    OptimizerOptions options;
    options.name = kind;
    options.momentum = 0.9;
    options.weight_decay = 0.01;
    options.amsgrad = kind == OptimizerKind::kAdamW;
    if (kind == OptimizerKind::kAdam || kind == OptimizerKind::kAdamW) options.momentum = 0.0;
    auto optimizer = make_optimizer(options, {{{param}, 0.05}});
    for (int step = 0; step < 3; ++step) {
      set_grad(param, 0.5 + step);
      optimizer->step();
    }

    const at::Tensor mask = at::tensor({1.0, 0.0, 1.0, 0.0, 1.0, 1.0}, at::kDouble).reshape({2, 3});
    optimizer->mask_state(param, mask);
    {
      at::NoGradGuard no_grad;
      param.mul_(mask);
    }
    for (const auto& [key, tensor] : optimizer->state_dict()) {
      if (tensor.sizes() != param.sizes()) continue;
      EXPECT_TRUE(tensors_equal(tensor.mul(1.0 - mask), at::zeros_like(param))) << key;
      EXPECT_FALSE(tensors_equal(tensor, at::zeros_like(param))) << key << " should keep its unmasked entries";
    }

    for (int step = 0; step < 3; ++step) {
      param.mutable_grad() = at::full_like(param, 1.5).mul(mask);
      optimizer->step();
      at::NoGradGuard no_grad;
      param.mul_(mask);
    }
    EXPECT_TRUE(tensors_equal(param.detach().mul(1.0 - mask), at::zeros_like(param)));
    for (const auto& [key, tensor] : optimizer->state_dict()) {
      if (tensor.sizes() != param.sizes()) continue;
      EXPECT_TRUE(tensors_equal(tensor.mul(1.0 - mask), at::zeros_like(param))) << key;
    }
  }
}

TEST(Optimizer, MaskStateBeforeFirstStepIsNoOp) {
  const at::Tensor param = make_param({3}, 0);
  auto optimizer = make_optimizer(OptimizerOptions{}, {{{param}, 0.1}});
  optimizer->mask_state(param, at::ones_like(param));
  EXPECT_EQ(optimizer->state_dict().count("state.0.exp_avg"), 0u);
}

TEST(Optimizer, MaskStateRejectsForeignParamAndWrongShape) {
  const at::Tensor param = make_param({3}, 0);
  auto optimizer = make_optimizer(OptimizerOptions{}, {{{param}, 0.1}});
  const std::string foreign =
      error_of<std::invalid_argument>([&] { optimizer->mask_state(make_param({3}, 0), at::ones({3}, at::kDouble)); });
  EXPECT_TRUE(contains(foreign, "not a parameter of this optimizer")) << foreign;
  const std::string shape = error_of<ShapeError>([&] { optimizer->mask_state(param, at::ones({4}, at::kDouble)); });
  EXPECT_TRUE(contains(shape, "[4]")) << shape;
  EXPECT_TRUE(contains(shape, "[3]")) << shape;
}

// Returns the state of an Adam optimizer over a [2, 3] and a [3] parameter after one step.
StateDict adam_state(bool amsgrad) {
  OptimizerOptions options;
  options.amsgrad = amsgrad;
  const at::Tensor matrix = make_param({2, 3}, 0);
  const at::Tensor vector = make_param({3}, 0);
  auto optimizer = make_optimizer(options, {{{matrix}, 0.1}, {{vector}, 0.2}});
  set_grad(matrix, 1.0);
  set_grad(vector, 1.0);
  optimizer->step();
  StateDict state = optimizer->state_dict();
  for (auto& [key, tensor] : state) tensor = tensor.clone();
  return state;
}

// Returns the CheckpointError message of loading `state` into a fresh Adam optimizer like adam_state's.
std::string load_error(const StateDict& state, bool amsgrad = false, OptimizerKind kind = OptimizerKind::kAdam) {
  OptimizerOptions options;
  options.name = kind;
  options.momentum = kind == OptimizerKind::kSgd ? 0.9 : 0.0;
  options.amsgrad = amsgrad;
  auto optimizer = make_optimizer(options, {{{make_param({2, 3}, 0)}, 0.1}, {{make_param({3}, 0)}, 0.2}});
  optimizer->set_lr(0.7);
  const std::string message = error_of<CheckpointError>([&] { optimizer->load_state_dict(state); });
  EXPECT_EQ(optimizer->lr(0), 0.7) << "a failed load must not change the learning rates";
  return message;
}

TEST(OptimizerStateDict, UnknownKeyIsNamed) {
  StateDict state = adam_state(false);
  state["state.0.momentum"] = state.at("state.0.exp_avg");
  const std::string message = load_error(state);
  EXPECT_TRUE(contains(message, "'state.0.momentum'")) << message;
  EXPECT_TRUE(contains(message, "step, exp_avg, exp_avg_sq, max_exp_avg_sq")) << message;

  StateDict other = adam_state(false);
  other["weights"] = at::zeros({1});
  EXPECT_TRUE(contains(load_error(other), "'weights'"));
}

TEST(OptimizerStateDict, StateOfAnotherOptimizerIsRejected) {
  const std::string message = load_error(adam_state(false), false, OptimizerKind::kSgd);
  EXPECT_TRUE(contains(message, "'state.0.exp_avg'")) << message;
  EXPECT_TRUE(contains(message, "optimizer sgd keeps momentum_buffer")) << message;
}

TEST(OptimizerStateDict, ParameterIndexOutOfRangeIsNamed) {
  StateDict state = adam_state(false);
  state["state.2.exp_avg"] = at::zeros({3}, at::kDouble);
  const std::string message = load_error(state);
  EXPECT_TRUE(contains(message, "'state.2.exp_avg'")) << message;
  EXPECT_TRUE(contains(message, "2 parameters")) << message;
}

TEST(OptimizerStateDict, ShapeMismatchIsNamed) {
  StateDict state = adam_state(false);
  state["state.1.exp_avg_sq"] = at::zeros({4}, at::kDouble);
  const std::string message = load_error(state);
  EXPECT_TRUE(contains(message, "'state.1.exp_avg_sq' has shape [4]")) << message;
  EXPECT_TRUE(contains(message, "[3]")) << message;
}

TEST(OptimizerStateDict, MissingEntryIsNamed) {
  StateDict state = adam_state(false);
  state.erase("state.1.exp_avg");
  const std::string message = load_error(state);
  EXPECT_TRUE(contains(message, "'state.1.exp_avg'")) << message;
  const std::string amsgrad = load_error(adam_state(false), /*amsgrad=*/true);
  EXPECT_TRUE(contains(amsgrad, "'state.0.max_exp_avg_sq'")) << amsgrad;
  EXPECT_TRUE(contains(amsgrad, "amsgrad")) << amsgrad;
}

TEST(OptimizerStateDict, GroupLrMustBePresentAndInRange) {
  StateDict missing = adam_state(false);
  missing.erase("param_groups.1.lr");
  EXPECT_TRUE(contains(load_error(missing), "'param_groups.1.lr'"));
  StateDict extra = adam_state(false);
  extra["param_groups.2.lr"] = at::scalar_tensor(0.1, at::kDouble);
  const std::string message = load_error(extra);
  EXPECT_TRUE(contains(message, "'param_groups.2.lr'")) << message;
  EXPECT_TRUE(contains(message, "2 groups")) << message;
}

TEST(OptimizerStateDict, LoadConvertsToParameterDtype) {
  const at::Tensor param = make_param({3}, 0).detach().to(at::kFloat).set_requires_grad(true);
  OptimizerOptions options;
  auto optimizer = make_optimizer(options, {{{param}, 0.1}});
  StateDict state;
  state["state.0.step"] = at::scalar_tensor(3.0, at::kFloat);
  state["state.0.exp_avg"] = at::ones({3}, at::kDouble);
  state["state.0.exp_avg_sq"] = at::ones({3}, at::kDouble);
  state["param_groups.0.lr"] = at::scalar_tensor(0.25, at::kDouble);
  optimizer->load_state_dict(state);
  const StateDict loaded = optimizer->state_dict();
  EXPECT_EQ(loaded.at("state.0.exp_avg").scalar_type(), at::kFloat);
  EXPECT_EQ(loaded.at("state.0.step").item<double>(), 3.0);
  EXPECT_EQ(optimizer->lr(), 0.25);
  // The loaded tensors are copies, so changing the input does not change the optimizer.
  state.at("state.0.exp_avg_sq").fill_(5.0);
  EXPECT_TRUE(tensors_equal(optimizer->state_dict().at("state.0.exp_avg_sq"), at::ones({3}, at::kFloat)));
}

}  // namespace
}  // namespace tlt::optim
