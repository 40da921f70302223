#include "tlt/prune/magnitude_pruning.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <cmath>

#include "tlt/prune/name_pattern.h"
#include "tlt/prune/pruning_mask.h"
#include "tlt/util/error.h"
#include "tlt/util/shapes.h"

namespace tlt::prune {

namespace {

bool is_prunable_shape(const at::Tensor& tensor) { return tensor.dim() >= 2; }

bool any_name_matches(const model::UniqueParameter& parameter, const NamePattern& pattern) {
  for (const std::string& name : parameter.names) {
    if (pattern.matches(name)) return true;
  }
  return false;
}

/// "'a', 'b', 'c' and 7 more": a few names for an error message.
std::string example_names(const std::vector<std::string>& names) {
  constexpr size_t kShown = 3;
  std::string text;
  for (size_t i = 0; i < names.size() && i < kShown; ++i) text += (i ? ", '" : "'") + names[i] + "'";
  if (names.size() > kShown) text += " and " + std::to_string(names.size() - kShown) + " more";
  return text;
}

/// Prunes count_to_prune(rate, R) of the R unpruned entries of masks[i] for i in `group`, ranked together.
/// `magnitudes[i]` is |weight_i|, flat; `masks[i]` is float 0/1, flat, and is updated in place.
void prune_group(const std::vector<size_t>& group, const std::vector<at::Tensor>& magnitudes,
                 std::vector<at::Tensor>& masks, double rate) {
  // Candidates: the unpruned entries, in target order and then flat index order. masked_select keeps
  // that order, which the stable sort below turns into the tie-break.
  std::vector<at::Tensor> candidates;
  std::vector<int64_t> counts;
  for (size_t i : group) {
    candidates.push_back(magnitudes[i].masked_select(masks[i].eq(1)));
    counts.push_back(candidates.back().numel());
  }
  const at::Tensor all = at::cat(candidates);
  const int64_t to_prune = count_to_prune(rate, all.numel());
  if (to_prune == 0) return;

  const at::Tensor order = std::get<1>(at::sort(all, /*stable=*/true, /*dim=*/0, /*descending=*/false));
  at::Tensor keep = at::ones({all.numel()}, at::kFloat);
  keep.index_fill_(0, order.narrow(0, 0, to_prune), 0.0);

  // Write each target's share of `keep` back to its unpruned positions, in the order they were taken.
  int64_t offset = 0;
  for (size_t j = 0; j < group.size(); ++j) {
    at::Tensor& mask = masks[group[j]];
    mask.masked_scatter_(mask.eq(1), keep.narrow(0, offset, counts[j]));
    offset += counts[j];
  }
}

}  // namespace

int64_t count_to_prune(double rate, int64_t remaining) {
  // Python's round() of the same double product, as torch.nn.utils.prune's _compute_nparams_toprune: the
  // nearest integer, and the even one of two at an exact half.
  const double product = rate * static_cast<double>(remaining);
  const double lower = std::floor(product);
  const double fraction = product - lower;
  int64_t count = static_cast<int64_t>(lower);
  if (fraction > 0.5 || (fraction == 0.5 && count % 2 != 0)) count += 1;
  return count;
}

std::vector<at::Tensor> prune_by_magnitude(const std::vector<PruneTarget>& targets, double rate, PruneScope scope) {
  if (!(rate >= 0.0 && rate < 1.0)) {
    throw ConfigError("invalid pruning rate " + std::to_string(rate) +
                      ": expected a fraction in [0, 1) of the weights that are still unpruned");
  }
  torch::NoGradGuard no_grad;

  // Flat CPU copies: magnitudes in one floating type, masks as float 0/1.
  at::ScalarType dtype = at::kFloat;
  for (const PruneTarget& target : targets) {
    if (target.weight.scalar_type() == at::kDouble) dtype = at::kDouble;
  }
  std::vector<at::Tensor> magnitudes;
  std::vector<at::Tensor> masks;
  for (const PruneTarget& target : targets) {
    const at::Tensor weight = target.weight.detach().to(at::kCPU, dtype);
    if (!at::isfinite(weight).all().item<bool>()) {
      throw CheckpointError("the weights of '" + target.name +
                            "' contain NaN or infinity, so they cannot be ranked by magnitude; prune a checkpoint "
                            "from before the training diverged");
    }
    if (target.mask.defined() && target.mask.sizes() != target.weight.sizes()) {
      throw CheckpointError("the mask of '" + target.name + "' has shape " + format_shape(target.mask.sizes()) +
                            ", but the weight has shape " + format_shape(target.weight.sizes()));
    }
    magnitudes.push_back(weight.abs().reshape({-1}));
    masks.push_back(target.mask.defined() ? target.mask.detach().to(at::kCPU, at::kFloat).reshape({-1}).clone()
                                          : at::ones({weight.numel()}, at::kFloat));
  }

  if (scope == PruneScope::kGlobal) {
    std::vector<size_t> all(targets.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    if (!all.empty()) prune_group(all, magnitudes, masks, rate);
  } else {
    for (size_t i = 0; i < targets.size(); ++i) prune_group({i}, magnitudes, masks, rate);
  }

  std::vector<at::Tensor> result;
  for (size_t i = 0; i < targets.size(); ++i) result.push_back(masks[i].reshape(targets[i].weight.sizes()));
  return result;
}

std::vector<model::UniqueParameter> select_prunable(const torch::nn::Module& module, const PruneOptions& options) {
  const std::vector<model::UniqueParameter> parameters = model::unique_parameters(module);
  std::vector<std::string> prunable_names;
  for (const auto& parameter : parameters) {
    if (is_prunable_shape(parameter.tensor)) prunable_names.push_back(parameter.name());
  }
  std::vector<NamePattern> include;
  std::vector<NamePattern> exclude;
  for (const std::string& text : options.include) include.emplace_back(text);
  for (const std::string& text : options.exclude) exclude.emplace_back(text);

  // Every pattern must select something: a pattern that matches nothing is most likely a typo.
  for (const NamePattern& pattern : include) {
    bool matches_prunable = false;
    std::string matched_small;
    for (const auto& parameter : parameters) {
      if (!any_name_matches(parameter, pattern)) continue;
      if (is_prunable_shape(parameter.tensor)) matches_prunable = true;
      if (matched_small.empty()) matched_small = parameter.name();
    }
    if (matches_prunable) continue;
    if (!matched_small.empty()) {
      throw ConfigError("include pattern '" + pattern.text() + "' matches only parameters with fewer than 2 "
                        "dimensions (for example '" + matched_small + "'), and biases and LayerNorm parameters are "
                        "never pruned; prunable weights are " + example_names(prunable_names));
    }
    throw ConfigError("include pattern '" + pattern.text() + "' matches no parameter of this model; prunable "
                      "weights are " + example_names(prunable_names) +
                      " ('*' matches dots too; 're:' starts a regex)");
  }
  for (const NamePattern& pattern : exclude) {
    bool matches_any = false;
    for (const auto& parameter : parameters) matches_any = matches_any || any_name_matches(parameter, pattern);
    if (!matches_any) {
      throw ConfigError("exclude pattern '" + pattern.text() + "' matches no parameter of this model; prunable "
                        "weights are " + example_names(prunable_names) +
                        " ('*' matches dots too; 're:' starts a regex)");
    }
  }

  std::vector<model::UniqueParameter> selected;
  for (const auto& parameter : parameters) {
    if (!is_prunable_shape(parameter.tensor)) continue;
    bool included = false;
    for (const NamePattern& pattern : include) included = included || any_name_matches(parameter, pattern);
    bool excluded = false;
    for (const NamePattern& pattern : exclude) excluded = excluded || any_name_matches(parameter, pattern);
    if (included && !excluded) selected.push_back(parameter);
  }
  if (selected.empty()) {
    throw ConfigError("the include and exclude patterns leave no weight to prune; prunable weights are " +
                      example_names(prunable_names));
  }
  return selected;
}

StateDict compute_magnitude_mask(const torch::nn::Module& module, const StateDict& weights,
                                 const StateDict& existing_mask, const PruneOptions& options) {
  const StateDict existing = normalize_mask(module, existing_mask, "the existing mask");
  const std::vector<model::UniqueParameter> selected = select_prunable(module, options);

  std::vector<PruneTarget> targets;
  for (const auto& parameter : selected) {
    auto weight = weights.find(parameter.name());
    if (weight == weights.end()) {
      throw CheckpointError("the weights to prune have no entry '" + parameter.name() +
                            "'; check that the checkpoint belongs to this model config");
    }
    if (weight->second.sizes() != parameter.tensor.sizes()) {
      throw CheckpointError("the weights to prune store '" + parameter.name() + "' with shape " +
                            format_shape(weight->second.sizes()) + ", but the model's parameter has shape " +
                            format_shape(parameter.tensor.sizes()));
    }
    auto mask = existing.find(parameter.name());
    targets.push_back({parameter.name(), weight->second, mask != existing.end() ? mask->second : at::Tensor()});
  }
  const std::vector<at::Tensor> masks = prune_by_magnitude(targets, options.rate, options.scope);

  StateDict result = existing;
  for (size_t i = 0; i < selected.size(); ++i) {
    for (const std::string& name : selected[i].names) result[name] = masks[i];
  }
  return result;
}

}  // namespace tlt::prune
