#include "tlt/prune/pruning_mask.h"

#include <ATen/ATen.h>

#include "tlt/model/parameters.h"
#include "tlt/space/direction.h"
#include "tlt/train/metrics_table.h"
#include "tlt/util/error.h"

namespace tlt::prune {

StateDict normalize_mask(const torch::nn::Module& module, const StateDict& masks, const std::string& what) {
  space::check_masks(module, masks, what);
  StateDict normalized;
  for (const auto& parameter : model::unique_parameters(module)) {
    at::Tensor mask;
    std::string mask_name;
    for (const std::string& name : parameter.names) {
      auto found = masks.find(name);
      if (found == masks.end()) continue;
      const at::Tensor values = found->second.to(at::kCPU, at::kFloat);
      if (!mask.defined()) {
        mask = values;
        mask_name = name;
      } else if (!at::equal(mask, values)) {
        throw CheckpointError(what + " has different masks for the tied names '" + mask_name + "' and '" + name +
                              "', which are one tensor in this model; a mask must prune a tied tensor once");
      }
    }
    if (!mask.defined()) continue;
    for (const std::string& name : parameter.names) normalized[name] = mask.contiguous();
  }
  return normalized;
}

StateDict apply_mask(const StateDict& state, const StateDict& mask) {
  StateDict masked;
  for (const auto& [name, tensor] : state) {
    auto found = mask.find(name);
    at::Tensor value = tensor.detach().clone();
    if (found != mask.end()) value.mul_(found->second.to(value.device(), value.scalar_type()));
    masked[name] = value;
  }
  return masked;
}

std::vector<TensorSparsity> measure_sparsity(const torch::nn::Module& module, const StateDict& mask) {
  std::vector<TensorSparsity> rows;
  for (const auto& parameter : model::unique_parameters(module)) {
    const at::Tensor values = space::find_mask(mask, parameter.names);
    if (!values.defined()) continue;
    TensorSparsity row;
    row.name = parameter.name();
    row.numel = values.numel();
    row.pruned = values.eq(0).sum().item<int64_t>();
    rows.push_back(row);
  }
  return rows;
}

TensorSparsity total_sparsity(const std::vector<TensorSparsity>& rows) {
  TensorSparsity total;
  total.name = "total";
  for (const TensorSparsity& row : rows) {
    total.numel += row.numel;
    total.pruned += row.pruned;
  }
  return total;
}

std::string format_sparsity_csv(const std::vector<TensorSparsity>& rows) {
  std::string text = "name,numel,pruned,sparsity\n";
  const auto append = [&text](const TensorSparsity& row) {
    text += row.name + "," + std::to_string(row.numel) + "," + std::to_string(row.pruned) + "," +
            train::format_number(row.sparsity(), 8) + "\n";
  };
  for (const TensorSparsity& row : rows) append(row);
  append(total_sparsity(rows));
  return text;
}

}  // namespace tlt::prune
