// Adam and AdamW as torch.optim.Adam and torch.optim.AdamW of PyTorch 1.13 (single-tensor path).
#pragma once

#include <vector>

#include "tlt/optim/optimizer.h"

namespace tlt::optim {

class Adam : public Optimizer {
 public:
  /// `options.name` selects L2 weight decay (kAdam) or decoupled weight decay (kAdamW).
  Adam(OptimizerOptions options, std::vector<ParamGroup> groups);

  void step() override;
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& state) override;
  void mask_state(const at::Tensor& param, const at::Tensor& mask) override;

 private:
  /// State of one parameter. Tensors are undefined until its first step.
  struct ParamState {
    // Steps taken by this parameter. PyTorch 1.13 counts in a float32 tensor, so a float reproduces its
    // bias corrections exactly, including the count stalling at 2^24 steps.
    float step = 0.0f;
    at::Tensor exp_avg;         // first moment, shape of the parameter
    at::Tensor exp_avg_sq;      // second moment, shape of the parameter
    at::Tensor max_exp_avg_sq;  // running maximum of exp_avg_sq; defined only with amsgrad
  };

  bool decoupled_weight_decay_;
  std::vector<ParamState> states_;  // per parameter index
};

}  // namespace tlt::optim
