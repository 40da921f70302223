#include "tlt/train/weight_mask.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <map>

#include "tlt/model/parameters.h"
#include "tlt/util/error.h"
#include "tlt/util/shapes.h"

namespace tlt::train {

WeightMask::WeightMask(const torch::nn::Module& module, const StateDict& masks, const std::string& what) {
  std::map<std::string, const model::UniqueParameter*> owner;
  const auto parameters = model::unique_parameters(module);
  for (const auto& parameter : parameters) {
    for (const auto& name : parameter.names) owner[name] = &parameter;
  }
  std::map<const void*, size_t> entry_of;
  for (const auto& [name, mask] : masks) {
    auto found = owner.find(name);
    if (found == owner.end()) {
      throw CheckpointError(what + " has a mask for '" + name +
                            "', which is not a parameter of this model; check that the mask belongs to this model config");
    }
    const at::Tensor& param = found->second->tensor;
    if (mask.sizes() != param.sizes()) {
      throw CheckpointError(what + " has a mask of shape " + format_shape(mask.sizes()) + " for '" + name +
                            "', whose shape is " + format_shape(param.sizes()));
    }
    const at::Tensor as_float = mask.to(at::kFloat);
    if (!(as_float.eq(0) | as_float.eq(1)).all().item<bool>()) {
      throw CheckpointError(what + " has values other than 0 and 1 in the mask of '" + name + "'");
    }
    const void* key = param.unsafeGetTensorImpl();
    auto existing = entry_of.find(key);
    if (existing != entry_of.end()) {
      if (!at::equal(entries_[existing->second].mask, as_float)) {
        throw CheckpointError(what + " has different masks for the tied names '" + entries_[existing->second].name +
                              "' and '" + name + "'");
      }
      continue;
    }
    entry_of[key] = entries_.size();
    entries_.push_back({name, param, as_float.to(param.device())});
  }
}

void WeightMask::apply_to_weights() const {
  torch::NoGradGuard no_grad;
  for (const Entry& entry : entries_) entry.param.mul_(entry.mask);
}

void WeightMask::apply_to_gradients() const {
  for (const Entry& entry : entries_) {
    at::Tensor grad = entry.param.mutable_grad();
    if (grad.defined()) grad.mul_(entry.mask);
  }
}

void WeightMask::apply_to_optimizer(optim::Optimizer& optimizer) const {
  for (const Entry& entry : entries_) optimizer.mask_state(entry.param, entry.mask);
}

void WeightMask::follow_parameters() {
  for (Entry& entry : entries_) entry.mask = entry.mask.to(entry.param.device());
}

double WeightMask::sparsity() const {
  double total = 0;
  double pruned = 0;
  for (const Entry& entry : entries_) {
    total += static_cast<double>(entry.mask.numel());
    pruned += static_cast<double>(entry.mask.numel()) - entry.mask.sum().item<double>();
  }
  return total > 0 ? pruned / total : 0.0;
}

}  // namespace tlt::train
