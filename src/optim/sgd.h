// Stochastic gradient descent with momentum and Nesterov momentum, as torch.optim.SGD of PyTorch 1.13.
#pragma once

#include <vector>

#include "tlt/optim/optimizer.h"

namespace tlt::optim {

class Sgd : public Optimizer {
 public:
  /// `options.name` selects plain momentum (kSgd) or Nesterov momentum (kNag).
  Sgd(OptimizerOptions options, std::vector<ParamGroup> groups);

  void step() override;
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& state) override;
  void mask_state(const at::Tensor& param, const at::Tensor& mask) override;

 private:
  bool nesterov_;
  // Per parameter index; undefined until the parameter's first step with momentum != 0, because
  // PyTorch initialises the buffer with a copy of the first gradient rather than with zeros.
  std::vector<at::Tensor> momentum_buffers_;
};

}  // namespace tlt::optim
