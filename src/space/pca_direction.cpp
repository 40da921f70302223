#include "tlt/space/pca_direction.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <cmath>

#include "tlt/model/parameters.h"
#include "tlt/util/error.h"
#include "tlt/util/shapes.h"
#include "tlt/util/state_dict.h"

namespace tlt::space {

namespace {

// Columns of M converted to double at a time; bounds the temporary memory to n * kChunkColumns doubles.
constexpr int64_t kChunkColumns = int64_t{1} << 20;

// The parameters that enter M, with their masks (undefined where not pruned).
struct Included {
  const model::UniqueParameter* parameter;
  at::Tensor mask;
};

// Flattens (checkpoint - final) * mask over the included parameters into one float32 row [P].
at::Tensor difference_row(const StateDict& checkpoint, const StateDict& final_weights,
                          const std::vector<Included>& included, const std::string& what) {
  std::vector<at::Tensor> pieces;
  pieces.reserve(included.size());
  for (const Included& entry : included) {
    const std::string& name = entry.parameter->name();
    auto found = checkpoint.find(name);
    if (found == checkpoint.end()) {
      throw CheckpointError(what + " has no entry '" + name + "', a parameter of this model; check that it was " +
                            "saved by a run of the same model config");
    }
    if (found->second.sizes() != entry.parameter->tensor.sizes()) {
      throw CheckpointError(what + " stores '" + name + "' with shape " + format_shape(found->second.sizes()) +
                            ", but the model's parameter has shape " + format_shape(entry.parameter->tensor.sizes()));
    }
    at::Tensor difference = found->second.to(at::kCPU, at::kFloat) - final_weights.at(name).to(at::kCPU, at::kFloat);
    if (entry.mask.defined()) difference.mul_(entry.mask);
    pieces.push_back(difference.reshape({-1}));
  }
  return at::cat(pieces);
}

// Splits a flat float row [P] into a Direction (one tensor per unique parameter); excluded parameters get zeros.
Direction unflatten(const at::Tensor& row, const torch::nn::Module& module, const std::vector<Included>& included) {
  Direction direction;
  for (const auto& parameter : model::unique_parameters(module)) {
    direction[parameter.name()] = at::zeros_like(parameter.tensor.detach());
  }
  int64_t offset = 0;
  for (const Included& entry : included) {
    const at::Tensor& tensor = entry.parameter->tensor;
    const at::Tensor values = row.narrow(0, offset, tensor.numel()).reshape(tensor.sizes());
    direction[entry.parameter->name()].copy_(values);
    offset += tensor.numel();
  }
  return direction;
}

PcaResult compute_pca(const torch::nn::Module& module, size_t count,
                      const std::function<at::Tensor(size_t, const std::vector<Included>&)>& load_row,
                      const StateDict& final_weights, bool ignore_1d, const StateDict& masks) {
  if (count < 3) {
    throw ConfigError("PCA directions need at least 3 checkpoints of a run, got " + std::to_string(count) +
                      "; save every epoch (train.save: all) and pass the epoch checkpoints");
  }
  check_masks(module, masks, "mask");
  torch::NoGradGuard no_grad;

  // Phase 1: the rows of M, flattened over the included parameters.
  const auto parameters = model::unique_parameters(module);
  std::vector<Included> included;
  for (const auto& parameter : parameters) {
    if (ignore_1d && parameter.tensor.dim() <= 1) continue;
    at::Tensor mask = find_mask(masks, parameter.names);
    if (mask.defined()) mask = mask.to(at::kCPU, at::kFloat);
    if (final_weights.count(parameter.name()) == 0) {
      throw CheckpointError("final weights have no entry '" + parameter.name() + "', a parameter of this model");
    }
    included.push_back({&parameter, mask});
  }
  std::vector<at::Tensor> rows;
  rows.reserve(count);
  for (size_t i = 0; i < count; ++i) rows.push_back(load_row(i, included));
  const at::Tensor matrix = at::stack(rows);  // [n, P] float32
  rows.clear();
  const int64_t n = matrix.size(0);
  const int64_t columns = matrix.size(1);

  // Phase 2: the Gram matrix of the centred rows, G = Mc Mc^T [n, n], accumulated in double by column chunks.
  at::Tensor gram = at::zeros({n, n}, at::kDouble);
  at::Tensor mean = at::empty({columns}, at::kDouble);
  for (int64_t start = 0; start < columns; start += kChunkColumns) {
    const int64_t width = std::min(kChunkColumns, columns - start);
    const at::Tensor chunk = matrix.narrow(1, start, width).to(at::kDouble);
    const at::Tensor chunk_mean = chunk.mean(0);
    mean.narrow(0, start, width).copy_(chunk_mean);
    const at::Tensor centred = chunk - chunk_mean;
    gram.add_(centred.mm(centred.t()));
  }

  // Phase 3: the two leading eigenpairs (eigh returns eigenvalues in ascending order).
  const auto [eigenvalues, eigenvectors] = at::linalg_eigh(gram);
  const double total = eigenvalues.clamp_min(0).sum().item<double>();
  const double first = eigenvalues[n - 1].item<double>();
  const double second = eigenvalues[n - 2].item<double>();
  if (!(first > 0) || !(second > 1e-12 * first)) {
    throw ConfigError("the " + std::to_string(count) + " checkpoints span fewer than two dimensions around their " +
                      "mean, so there is no second principal component; pass checkpoints of distinct epochs");
  }
  std::array<at::Tensor, 2> loadings = {eigenvectors.select(1, n - 1).clone(), eigenvectors.select(1, n - 2).clone()};
  const std::array<double, 2> values = {first, second};
  for (at::Tensor& u : loadings) {
    // scikit-learn's svd_flip convention: the entry of largest magnitude is positive.
    const int64_t largest = u.abs().argmax().item<int64_t>();
    if (u[largest].item<double>() < 0) u.neg_();
  }

  // Phase 4: components v_k = Mc^T u_k / sqrt(lambda_k) (unit norm), and the projections of the uncentred
  // rows, computed chunk by chunk in double.
  PcaResult result;
  std::array<at::Tensor, 2> components = {at::empty({columns}, at::kFloat), at::empty({columns}, at::kFloat)};
  at::Tensor projections = at::zeros({n, 2}, at::kDouble);
  for (int64_t start = 0; start < columns; start += kChunkColumns) {
    const int64_t width = std::min(kChunkColumns, columns - start);
    const at::Tensor chunk = matrix.narrow(1, start, width).to(at::kDouble);
    const at::Tensor centred = chunk - mean.narrow(0, start, width);
    for (int k = 0; k < 2; ++k) {
      const at::Tensor v = centred.t().mv(loadings[k]) / std::sqrt(values[k]);
      components[k].narrow(0, start, width).copy_(v);
      projections.select(1, k).add_(chunk.mv(v));
    }
  }
  result.x = unflatten(components[0], module, included);
  result.y = unflatten(components[1], module, included);
  for (int k = 0; k < 2; ++k) result.explained_variance_ratio[k] = values[k] / total;
  for (int64_t i = 0; i < n; ++i) {
    result.projections.push_back({projections[i][0].item<double>(), projections[i][1].item<double>()});
  }
  return result;
}

}  // namespace

PcaResult pca_directions(const torch::nn::Module& module, const std::vector<std::filesystem::path>& checkpoints,
                         const StateDict& final_weights, bool ignore_1d, const StateDict& masks) {
  auto load_row = [&](size_t i, const std::vector<Included>& included) {
    const StateDict checkpoint = load_state_dict(checkpoints[i]);
    return difference_row(checkpoint, final_weights, included, "checkpoint " + checkpoints[i].string());
  };
  return compute_pca(module, checkpoints.size(), load_row, final_weights, ignore_1d, masks);
}

PcaResult pca_directions(const torch::nn::Module& module, const std::vector<StateDict>& checkpoints,
                         const std::vector<std::string>& names, const StateDict& final_weights, bool ignore_1d,
                         const StateDict& masks) {
  auto load_row = [&](size_t i, const std::vector<Included>& included) {
    const std::string what = i < names.size() ? "checkpoint " + names[i] : "checkpoint " + std::to_string(i);
    return difference_row(checkpoints[i], final_weights, included, what);
  };
  return compute_pca(module, checkpoints.size(), load_row, final_weights, ignore_1d, masks);
}

}  // namespace tlt::space
