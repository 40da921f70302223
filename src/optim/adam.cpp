#include "optim/adam.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <cmath>
#include <stdexcept>
#include <utility>

#include "tlt/util/error.h"
#include "tlt/util/shapes.h"

namespace tlt::optim {

Adam::Adam(OptimizerOptions options, std::vector<ParamGroup> groups)
    : Optimizer(options, std::move(groups)),
      decoupled_weight_decay_(options.name == OptimizerKind::kAdamW),
      states_(num_params()) {}

void Adam::step() {
  at::NoGradGuard no_grad;
  const double beta1 = options_.beta1;
  const double beta2 = options_.beta2;
  const double weight_decay = options_.weight_decay;
  size_t index = 0;
  for (const ParamGroup& group : groups_) {
    const double lr = group.lr;
    for (const at::Tensor& p : group.params) {
      ParamState& state = states_[index++];
      const at::Tensor& raw_grad = p.grad();
      if (!raw_grad.defined()) continue;
      if (raw_grad.is_sparse()) throw std::invalid_argument("adam and adamw do not support sparse gradients");

      // The operations and their order are those of _single_tensor_adam in torch/optim/adam.py and
      // _single_tensor_adamw in torch/optim/adamw.py (1.13, capturable=False); reordering any of them
      // changes the rounding.
      at::Tensor grad = options_.maximize ? raw_grad.neg() : raw_grad;
      if (!state.exp_avg.defined()) {
        state.exp_avg = at::zeros_like(p, at::MemoryFormat::Preserve);
        state.exp_avg_sq = at::zeros_like(p, at::MemoryFormat::Preserve);
        if (options_.amsgrad) state.max_exp_avg_sq = at::zeros_like(p, at::MemoryFormat::Preserve);
      }
      state.step += 1.0f;

      if (decoupled_weight_decay_) {
        // AdamW multiplies by 1 - lr * weight_decay even when weight_decay is 0 (a no-op multiply).
        p.mul_(1.0 - lr * weight_decay);
      } else if (weight_decay != 0.0) {
        grad = grad.add(p, weight_decay);
      }

      state.exp_avg.mul_(beta1).add_(grad, 1.0 - beta1);
      state.exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1.0 - beta2);

      const double step = state.step;
      const double bias_correction1 = 1.0 - std::pow(beta1, step);
      const double bias_correction2 = 1.0 - std::pow(beta2, step);
      const double step_size = lr / bias_correction1;
      const double bias_correction2_sqrt = std::sqrt(bias_correction2);

      at::Tensor denominator;
      if (options_.amsgrad) {
        at::maximum_out(state.max_exp_avg_sq, state.max_exp_avg_sq, state.exp_avg_sq);
        denominator = (state.max_exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(options_.eps);
      } else {
        denominator = (state.exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(options_.eps);
      }
      p.addcdiv_(state.exp_avg, denominator, -step_size);
    }
  }
}

StateDict Adam::state_dict() const {
  StateDict state;
  for (size_t i = 0; i < states_.size(); ++i) {
    const ParamState& entry = states_[i];
    if (!entry.exp_avg.defined()) continue;
    const std::string prefix = "state." + std::to_string(i) + ".";
    // PyTorch 1.13 stores the step as a float32 scalar tensor.
    state[prefix + "step"] = at::scalar_tensor(entry.step, at::TensorOptions().dtype(at::kFloat));
    state[prefix + "exp_avg"] = entry.exp_avg;
    state[prefix + "exp_avg_sq"] = entry.exp_avg_sq;
    if (entry.max_exp_avg_sq.defined()) state[prefix + "max_exp_avg_sq"] = entry.max_exp_avg_sq;
  }
  save_group_lrs(state);
  return state;
}

void Adam::load_state_dict(const StateDict& state) {
  const SplitState split = split_state(state, {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"});
  const std::vector<StateDict>& per_param = split.per_param;

  // Check every parameter before changing any state, so a failed load leaves the optimizer as it was.
  std::vector<std::string> required = {"step", "exp_avg", "exp_avg_sq"};
  if (options_.amsgrad) required.push_back("max_exp_avg_sq");
  for (size_t i = 0; i < per_param.size(); ++i) {
    if (per_param[i].empty()) continue;
    for (const std::string& name : required) {
      if (per_param[i].count(name) == 0) {
        const std::string reason = name == "max_exp_avg_sq" ? " (was the checkpoint written with amsgrad off?)" : "";
        throw CheckpointError("optimizer state has no key 'state." + std::to_string(i) + "." + name +
                              "' although it has other entries of parameter " + std::to_string(i) + reason);
      }
    }
  }

  for (size_t i = 0; i < per_param.size(); ++i) {
    ParamState& entry = states_[i];
    entry = ParamState();
    if (per_param[i].empty()) continue;
    const at::TensorOptions options = param(i).options();
    entry.step = static_cast<float>(per_param[i].at("step").item<double>());
    entry.exp_avg = per_param[i].at("exp_avg").to(options, /*non_blocking=*/false, /*copy=*/true);
    entry.exp_avg_sq = per_param[i].at("exp_avg_sq").to(options, /*non_blocking=*/false, /*copy=*/true);
    // A max_exp_avg_sq saved with amsgrad on is dropped when amsgrad is now off, because step() would
    // never read or update it.
    if (options_.amsgrad) {
      entry.max_exp_avg_sq = per_param[i].at("max_exp_avg_sq").to(options, /*non_blocking=*/false, /*copy=*/true);
    }
  }
  restore_group_lrs(split);
}

void Adam::mask_state(const at::Tensor& param_to_mask, const at::Tensor& mask) {
  const size_t i = index_of(param_to_mask);
  check_shape(mask, param_to_mask.sizes().vec(), "mask of optimizer parameter " + std::to_string(i));
  at::NoGradGuard no_grad;
  ParamState& entry = states_[i];
  for (at::Tensor* tensor : {&entry.exp_avg, &entry.exp_avg_sq, &entry.max_exp_avg_sq}) {
    if (tensor->defined()) tensor->mul_(mask.to(tensor->options()));
  }
}

}  // namespace tlt::optim
