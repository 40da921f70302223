#include "tlt/optim/optimizer.h"

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "optim/adam.h"
#include "optim/sgd.h"
#include "tlt/config/schema.h"
#include "tlt/util/error.h"
#include "tlt/util/shapes.h"

namespace tlt::optim {

namespace {

const std::vector<std::pair<std::string, OptimizerKind>>& optimizer_names() {
  static const std::vector<std::pair<std::string, OptimizerKind>> names = {
      {"sgd", OptimizerKind::kSgd},
      {"nag", OptimizerKind::kNag},
      {"adam", OptimizerKind::kAdam},
      {"adamw", OptimizerKind::kAdamW},
  };
  return names;
}

std::string format_number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

bool is_sgd_family(OptimizerKind kind) { return kind == OptimizerKind::kSgd || kind == OptimizerKind::kNag; }

// Logs the options that the chosen update rule does not read, so that a config that sets them by
// mistake does not pass silently.
void warn_about_ignored_options(const OptimizerOptions& options) {
  const OptimizerOptions defaults;
  std::vector<std::string> ignored;
  if (is_sgd_family(options.name)) {
    if (options.beta1 != defaults.beta1) ignored.push_back("beta1");
    if (options.beta2 != defaults.beta2) ignored.push_back("beta2");
    if (options.eps != defaults.eps) ignored.push_back("eps");
    if (options.amsgrad) ignored.push_back("amsgrad");
  } else {
    if (options.momentum != 0.0) ignored.push_back("momentum");
    if (options.dampening != 0.0) ignored.push_back("dampening");
  }
  if (options.name == OptimizerKind::kSgd && options.momentum == 0.0 && options.dampening != 0.0) {
    ignored.push_back("dampening (momentum is 0)");
  }
  for (const std::string& name : ignored) {
    spdlog::warn("[optim] option {} has no effect with optimizer {} and is ignored", name, to_string(options.name));
  }
}

// Splits "state.<index>.<name>" into index and name; returns false for any other form.
bool parse_state_key(const std::string& key, size_t& index, std::string& name) {
  const std::string prefix = "state.";
  if (key.compare(0, prefix.size(), prefix) != 0) return false;
  const size_t dot = key.find('.', prefix.size());
  if (dot == std::string::npos || dot == prefix.size() || dot + 1 == key.size()) return false;
  const std::string digits = key.substr(prefix.size(), dot - prefix.size());
  if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) return false;
  index = std::stoul(digits);
  name = key.substr(dot + 1);
  return true;
}

// Splits "param_groups.<group>.lr" into the group index; returns false for any other form.
bool parse_group_lr_key(const std::string& key, size_t& group) {
  const std::string prefix = "param_groups.";
  const std::string suffix = ".lr";
  if (key.size() <= prefix.size() + suffix.size() || key.compare(0, prefix.size(), prefix) != 0 ||
      key.compare(key.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return false;
  }
  const std::string digits = key.substr(prefix.size(), key.size() - prefix.size() - suffix.size());
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) {
    return false;
  }
  group = std::stoul(digits);
  return true;
}

}  // namespace

std::string to_string(OptimizerKind kind) {
  for (const auto& [name, value] : optimizer_names()) {
    if (value == kind) return name;
  }
  return "unknown";
}

OptimizerKind parse_optimizer_kind(const std::string& name) {
  return config::parse_choice(name, optimizer_names(), "optimizer name");
}

void bind(config::Schema& schema, const std::string& prefix, OptimizerOptions& options) {
  schema.choice(prefix + "name", options.name, optimizer_names(),
                "update rule: sgd, nag (SGD with Nesterov momentum), adam or adamw (decoupled weight decay)");
  schema.field(prefix + "lr", options.lr, "base learning rate; a warmup schedule replaces it at every step").min(0);
  schema.field(prefix + "momentum", options.momentum, "momentum factor of sgd and nag; nag needs > 0").min(0);
  schema.field(prefix + "dampening", options.dampening, "dampening of sgd momentum; nag needs 0").min(0).max(1);
  schema
      .field(prefix + "weight_decay", options.weight_decay,
             "L2 penalty added to the gradient (sgd, nag, adam) or decoupled decay rate (adamw)")
      .min(0);
  schema.field(prefix + "beta1", options.beta1, "decay rate of the first moment of adam and adamw").min(0).less_than(1);
  schema.field(prefix + "beta2", options.beta2, "decay rate of the second moment of adam and adamw")
      .min(0)
      .less_than(1);
  schema.field(prefix + "eps", options.eps, "term added to the denominator of adam and adamw").min(0);
  schema.field(prefix + "amsgrad", options.amsgrad,
               "adam and adamw: divide by the running maximum of the second moment (AMSGrad)");
  schema.field(prefix + "maximize", options.maximize, "ascend the objective instead of descending it");
}

std::vector<std::string> validate(const OptimizerOptions& options) {
  std::vector<std::string> violations;
  if (options.name == OptimizerKind::kNag && !(options.momentum > 0.0)) {
    violations.push_back("optimizer nag needs momentum > 0, got momentum = " + format_number(options.momentum) +
                         "; set momentum (for example 0.9) or use sgd");
  }
  if (options.name == OptimizerKind::kNag && options.dampening != 0.0) {
    violations.push_back("optimizer nag needs dampening = 0, got dampening = " + format_number(options.dampening) +
                         "; remove dampening or use sgd");
  }
  return violations;
}

// ---- Optimizer ----

Optimizer::Optimizer(OptimizerOptions options, std::vector<ParamGroup> groups)
    : options_(options), groups_(std::move(groups)) {
  if (groups_.empty()) throw std::invalid_argument("optimizer got no parameter groups");
  for (size_t group = 0; group < groups_.size(); ++group) {
    if (groups_[group].params.empty()) {
      throw std::invalid_argument("optimizer parameter group " + std::to_string(group) + " has no parameters");
    }
    for (const at::Tensor& p : groups_[group].params) {
      if (!p.defined() || !p.is_floating_point()) {
        throw std::invalid_argument("optimizer parameter " + std::to_string(params_.size()) + " in group " +
                                    std::to_string(group) + " is undefined or not a floating point tensor");
      }
      const bool inserted = index_by_impl_.emplace(p.unsafeGetTensorImpl(), params_.size()).second;
      if (!inserted) {
        throw std::invalid_argument("optimizer parameter " + std::to_string(params_.size()) + " in group " +
                                    std::to_string(group) + " appears more than once in the parameter list");
      }
      params_.push_back(p);
      group_of_param_.push_back(group);
    }
  }
}

Optimizer::~Optimizer() = default;

void Optimizer::zero_grad(bool set_to_none) {
  for (const at::Tensor& p : params_) {
    at::Tensor& grad = p.mutable_grad();
    if (!grad.defined()) continue;
    if (set_to_none) {
      grad.reset();
      continue;
    }
    // As torch.optim.Optimizer.zero_grad: cut the gradient from any graph before zeroing it in place.
    if (grad.grad_fn()) {
      grad.detach_();
    } else {
      grad.requires_grad_(false);
    }
    grad.zero_();
  }
}

double Optimizer::lr(size_t group) const {
  if (group >= groups_.size()) {
    throw std::out_of_range("optimizer has " + std::to_string(groups_.size()) + " parameter groups, no group " +
                            std::to_string(group));
  }
  return groups_[group].lr;
}

void Optimizer::set_lr(double lr) {
  for (ParamGroup& group : groups_) group.lr = lr;
}

void Optimizer::set_lr(size_t group, double lr) {
  if (group >= groups_.size()) {
    throw std::out_of_range("optimizer has " + std::to_string(groups_.size()) + " parameter groups, no group " +
                            std::to_string(group));
  }
  groups_[group].lr = lr;
}

size_t Optimizer::index_of(const at::Tensor& param) const {
  auto found = index_by_impl_.find(param.unsafeGetTensorImpl());
  if (!param.defined() || found == index_by_impl_.end()) {
    throw std::invalid_argument("tensor of shape " + (param.defined() ? format_shape(param.sizes()) : "undefined") +
                                " is not a parameter of this optimizer");
  }
  return found->second;
}

void Optimizer::save_group_lrs(StateDict& state) const {
  for (size_t group = 0; group < groups_.size(); ++group) {
    state["param_groups." + std::to_string(group) + ".lr"] =
        at::scalar_tensor(groups_[group].lr, at::TensorOptions().dtype(at::kDouble));
  }
}

Optimizer::SplitState Optimizer::split_state(const StateDict& state,
                                             const std::vector<std::string>& allowed_names) const {
  std::string allowed_text;
  for (const std::string& name : allowed_names) allowed_text += (allowed_text.empty() ? "" : ", ") + name;
  const std::string hint =
      "; check that the checkpoint was written by optimizer " + to_string(options_.name) + " for the same model";

  SplitState split;
  split.per_param.resize(params_.size());
  split.group_lrs.assign(groups_.size(), -1.0);
  for (const auto& [key, tensor] : state) {
    size_t index = 0;
    std::string name;
    size_t group = 0;
    if (parse_group_lr_key(key, group)) {
      if (group >= groups_.size()) {
        throw CheckpointError("optimizer state key '" + key + "' names parameter group " + std::to_string(group) +
                              ", but the optimizer has " + std::to_string(groups_.size()) + " groups" + hint);
      }
      if (!tensor.defined() || tensor.numel() != 1) {
        throw CheckpointError("optimizer state key '" + key + "' must hold one number" + hint);
      }
      split.group_lrs[group] = tensor.item<double>();
      continue;
    }
    if (!parse_state_key(key, index, name)) {
      throw CheckpointError("unexpected optimizer state key '" + key +
                            "': expected state.<parameter index>.<name> or param_groups.<group>.lr" + hint);
    }
    if (index >= params_.size()) {
      throw CheckpointError("optimizer state key '" + key + "' names parameter " + std::to_string(index) +
                            ", but the optimizer has " + std::to_string(params_.size()) + " parameters" + hint);
    }
    if (std::find(allowed_names.begin(), allowed_names.end(), name) == allowed_names.end()) {
      throw CheckpointError("unexpected optimizer state key '" + key + "': optimizer " + to_string(options_.name) +
                            " keeps " + allowed_text + hint);
    }
    if (!tensor.defined())
      throw CheckpointError("optimizer state key '" + key + "' contains an undefined tensor" + hint);
    if (name == "step") {
      if (tensor.numel() != 1) {
        throw CheckpointError("optimizer state key '" + key + "' must hold one number, found shape " +
                              format_shape(tensor.sizes()) + hint);
      }
    } else if (tensor.sizes() != params_[index].sizes()) {
      throw CheckpointError("optimizer state key '" + key + "' has shape " + format_shape(tensor.sizes()) +
                            ", but parameter " + std::to_string(index) + " has shape " +
                            format_shape(params_[index].sizes()) + hint);
    }
    split.per_param[index][name] = tensor;
  }

  for (size_t group = 0; group < groups_.size(); ++group) {
    if (!(split.group_lrs[group] >= 0.0)) {
      throw CheckpointError("optimizer state has no valid key 'param_groups." + std::to_string(group) +
                            ".lr' (missing or negative)" + hint);
    }
  }
  return split;
}

void Optimizer::restore_group_lrs(const SplitState& split) {
  for (size_t group = 0; group < groups_.size(); ++group) groups_[group].lr = split.group_lrs[group];
}

std::unique_ptr<Optimizer> make_optimizer(const OptimizerOptions& options, std::vector<ParamGroup> groups) {
  // Check ranges through the same schema that a config file goes through, so that code which builds
  // options directly cannot bypass them.
  OptimizerOptions checked = options;
  config::Schema schema;
  bind(schema, "optimizer.", checked);
  std::vector<std::string> violations = validate(options);
  for (size_t group = 0; group < groups.size(); ++group) {
    if (!(groups[group].lr >= 0.0)) {
      violations.push_back("parameter group " + std::to_string(group) + " has lr = " + format_number(groups[group].lr) +
                           ": expected >= 0");
    }
  }
  schema.validate(violations);
  warn_about_ignored_options(options);

  switch (options.name) {
    case OptimizerKind::kSgd:
    case OptimizerKind::kNag:
      return std::make_unique<Sgd>(options, std::move(groups));
    case OptimizerKind::kAdam:
    case OptimizerKind::kAdamW:
      return std::make_unique<Adam>(options, std::move(groups));
  }
  throw ConfigError("invalid optimizer name: expected one of " + config::join_choices(optimizer_names()));
}

}  // namespace tlt::optim
