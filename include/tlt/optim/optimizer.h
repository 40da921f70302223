// Optimizers with the exact update rules of PyTorch 1.13 (torch.optim.SGD, Adam and AdamW, single-tensor
// path), their options, and an optimizer state that round-trips through a StateDict file.
//
// Each step repeats PyTorch's ATen operations in PyTorch's order, so a trajectory matches
// torch.optim bit for bit on the same LibTorch build (tests/optim checks this against PyTorch traces in
// float64 and float32).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "tlt/util/state_dict.h"

namespace tlt::config {
class Schema;
}

namespace tlt::optim {

/// The update rule; the config names are "sgd", "nag", "adam" and "adamw".
enum class OptimizerKind {
  kSgd,    ///< torch.optim.SGD with nesterov=False
  kNag,    ///< torch.optim.SGD with nesterov=True (Nesterov accelerated gradient)
  kAdam,   ///< torch.optim.Adam: weight decay is an L2 term added to the gradient
  kAdamW,  ///< torch.optim.AdamW: weight decay is decoupled from the gradient (Loshchilov and Hutter, 2019)
};

/// Returns the config name of `kind`, for example "adamw".
std::string to_string(OptimizerKind kind);

/// Parses a config name. Throws ConfigError listing every valid name.
OptimizerKind parse_optimizer_kind(const std::string& name);

struct OptimizerOptions {
  OptimizerKind name = OptimizerKind::kAdam;  ///< update rule
  double lr = 1e-3;                           ///< base learning rate; a warmup schedule overrides it at every step
  double momentum = 0.0;                      ///< SGD and NAG momentum factor; NAG requires momentum > 0
  double dampening = 0.0;                     ///< SGD momentum dampening in [0, 1]; NAG requires 0
  double weight_decay = 0.0;                  ///< L2 penalty for SGD, NAG and Adam; decoupled decay rate for AdamW
  double beta1 = 0.9;                         ///< Adam and AdamW decay rate of the first moment, in [0, 1)
  double beta2 = 0.999;                       ///< Adam and AdamW decay rate of the second moment, in [0, 1)
  double eps = 1e-8;                          ///< Adam and AdamW term added to the denominator for numerical stability
  bool amsgrad = false;   ///< Adam and AdamW: use the running maximum of the second moment (AMSGrad)
  bool maximize = false;  ///< ascend the objective instead of descending it
};

/// Registers every field under `prefix` (for example "train.optimizer."), with its allowed range.
void bind(config::Schema& schema, const std::string& prefix, OptimizerOptions& options);

/// Returns every cross-field violation, for example NAG with momentum 0. The schema reports range
/// violations of single fields, and make_optimizer checks both.
std::vector<std::string> validate(const OptimizerOptions& options);

/// Parameters that share a learning rate, as in a PyTorch param_group.
struct ParamGroup {
  std::vector<at::Tensor> params;  ///< leaf tensors updated in place; their .grad() is read at each step
  double lr = 1e-3;                ///< learning rate of this group
};

/// Base class of the optimizers.
///
/// Parameters are numbered group by group, in list order within each group, as in PyTorch's optimizer
/// state_dict. The state keys use these indices. After construction only the groups' learning rates may
/// change: adding or removing parameters through param_groups() breaks the numbering.
class Optimizer {
 public:
  virtual ~Optimizer();
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// Updates every parameter that has a gradient. As in PyTorch, a parameter whose grad() is undefined
  /// is skipped and its state is left unchanged. Runs without recording autograd history.
  virtual void step() = 0;

  /// Clears the gradients. By default they are zeroed in place, as PyTorch 1.13 does by default
  /// (set_to_none=False). A parameter that then receives no gradient in the next backward pass still
  /// takes a step driven by its momentum or Adam moments, as in PyTorch 1.13. With `set_to_none` the
  /// gradients become undefined, which saves memory and makes step() skip such parameters.
  void zero_grad(bool set_to_none = false);

  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }

  /// Returns the learning rate of `group`. Throws std::out_of_range for a group that does not exist.
  double lr(size_t group = 0) const;

  /// Sets the learning rate of every group.
  void set_lr(double lr);

  /// Sets the learning rate of `group`. Throws std::out_of_range for a group that does not exist.
  void set_lr(size_t group, double lr);

  const OptimizerOptions& options() const { return options_; }

  /// Returns the total number of parameters over all groups.
  size_t num_params() const { return params_.size(); }

  /// Returns the optimizer state under the keys "state.<parameter index>.<name>" (for example
  /// "state.3.exp_avg" or "state.3.step") and "param_groups.<group>.lr" (a float64 scalar). A parameter
  /// that has not taken a step yet has no entries. The tensors share storage with the live state, so
  /// save or clone them before the next step. Python's torch.load reads the saved file as a flat dict.
  virtual StateDict state_dict() const = 0;

  /// Restores the state written by state_dict() of an optimizer of the same kind over parameters of the
  /// same shapes, including each group's learning rate. Tensors are copied and converted to the dtype and
  /// device of their parameter. Throws CheckpointError naming the key for an unknown or missing key, a
  /// parameter index or group out of range, or a shape that differs from the parameter's.
  virtual void load_state_dict(const StateDict& state) = 0;

  /// Multiplies every per-parameter state tensor of `param` (momentum buffer, exp_avg, exp_avg_sq,
  /// max_exp_avg_sq) in place by `mask`, so that momentum cannot revive a pruned weight. `mask` has the
  /// shape of `param`, with 1 where a weight is kept and 0 where it is pruned. A parameter without state
  /// yet is left alone. Throws std::invalid_argument if `param` is not one of this optimizer's
  /// parameters, and ShapeError if `mask` has another shape.
  virtual void mask_state(const at::Tensor& param, const at::Tensor& mask) = 0;

 protected:
  Optimizer(OptimizerOptions options, std::vector<ParamGroup> groups);

  /// Returns the index of `param`. Throws std::invalid_argument if it is not one of the parameters.
  size_t index_of(const at::Tensor& param) const;

  /// Returns the parameter with this index.
  const at::Tensor& param(size_t index) const { return params_[index]; }

  /// Returns the group of the parameter with this index.
  size_t group_of(size_t index) const { return group_of_param_[index]; }

  /// Adds "param_groups.<g>.lr" entries to `state`.
  void save_group_lrs(StateDict& state) const;

  /// A loaded state, split by parameter index (entry name -> tensor) and with every group's learning rate.
  struct SplitState {
    std::vector<StateDict> per_param;
    std::vector<double> group_lrs;
  };

  /// Splits `state` by parameter after checking keys, parameter and group indices, shapes, and entry
  /// names against `allowed_names`. Changes nothing. Throws CheckpointError naming the offending key.
  SplitState split_state(const StateDict& state, const std::vector<std::string>& allowed_names) const;

  /// Sets every group's learning rate from a split state.
  void restore_group_lrs(const SplitState& split);

  OptimizerOptions options_;
  std::vector<ParamGroup> groups_;

 private:
  std::vector<at::Tensor> params_;                         // every parameter, in state index order
  std::vector<size_t> group_of_param_;                     // group index of each parameter
  std::unordered_map<const void*, size_t> index_by_impl_;  // TensorImpl address -> parameter index
};

/// Creates the optimizer selected by options.name over `groups`. Throws ConfigError listing every invalid
/// option (ranges and cross-field rules) and std::invalid_argument for an empty or undefined parameter
/// list or a parameter that appears twice.
std::unique_ptr<Optimizer> make_optimizer(const OptimizerOptions& options, std::vector<ParamGroup> groups);

}  // namespace tlt::optim
