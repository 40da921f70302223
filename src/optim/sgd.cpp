#include "optim/sgd.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <stdexcept>
#include <utility>

#include "tlt/util/error.h"
#include "tlt/util/shapes.h"

namespace tlt::optim {

Sgd::Sgd(OptimizerOptions options, std::vector<ParamGroup> groups)
    : Optimizer(options, std::move(groups)),
      nesterov_(options.name == OptimizerKind::kNag),
      momentum_buffers_(num_params()) {}

void Sgd::step() {
  at::NoGradGuard no_grad;
  const double momentum = options_.momentum;
  size_t index = 0;
  for (const ParamGroup& group : groups_) {
    for (const at::Tensor& p : group.params) {
      const size_t i = index++;
      const at::Tensor& grad = p.grad();
      if (!grad.defined()) continue;
      if (grad.is_sparse()) throw std::invalid_argument("sgd does not support sparse gradients");

      // The operations and their order are those of _single_tensor_sgd in torch/optim/sgd.py (1.13).
      at::Tensor d_p = options_.maximize ? grad.neg() : grad;
      if (options_.weight_decay != 0.0) d_p = d_p.add(p, options_.weight_decay);
      if (momentum != 0.0) {
        at::Tensor& buffer = momentum_buffers_[i];
        if (!buffer.defined()) {
          buffer = d_p.clone().detach();
        } else {
          buffer.mul_(momentum).add_(d_p, 1.0 - options_.dampening);
        }
        d_p = nesterov_ ? d_p.add(buffer, momentum) : buffer;
      }
      p.add_(d_p, -group.lr);
    }
  }
}

StateDict Sgd::state_dict() const {
  StateDict state;
  for (size_t i = 0; i < momentum_buffers_.size(); ++i) {
    if (momentum_buffers_[i].defined()) state["state." + std::to_string(i) + ".momentum_buffer"] = momentum_buffers_[i];
  }
  save_group_lrs(state);
  return state;
}

void Sgd::load_state_dict(const StateDict& state) {
  const SplitState split = split_state(state, {"momentum_buffer"});
  for (size_t i = 0; i < split.per_param.size(); ++i) {
    auto found = split.per_param[i].find("momentum_buffer");
    momentum_buffers_[i] = found == split.per_param[i].end()
                               ? at::Tensor()
                               : found->second.to(param(i).options(), /*non_blocking=*/false, /*copy=*/true);
  }
  restore_group_lrs(split);
}

void Sgd::mask_state(const at::Tensor& param_to_mask, const at::Tensor& mask) {
  const size_t i = index_of(param_to_mask);
  check_shape(mask, param_to_mask.sizes().vec(), "mask of optimizer parameter " + std::to_string(i));
  at::NoGradGuard no_grad;
  at::Tensor& buffer = momentum_buffers_[i];
  if (buffer.defined()) buffer.mul_(mask.to(buffer.options()));
}

}  // namespace tlt::optim
