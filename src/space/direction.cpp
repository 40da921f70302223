#include "tlt/space/direction.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

#include "tlt/config/schema.h"
#include "tlt/model/parameters.h"
#include "tlt/util/error.h"
#include "tlt/util/shapes.h"

namespace tlt::space {

namespace {

// Li et al.'s implementation adds this to a row norm before dividing, so that a row of zeros (here: a fully
// pruned row) stays zero instead of becoming NaN.
constexpr double kNormEpsilon = 1e-10;

// Returns the tensor of `parameter` in `state`, looked up by its first name, after checking its shape.
const at::Tensor& tensor_of(const StateDict& state, const model::UniqueParameter& parameter, const std::string& what) {
  auto found = state.find(parameter.name());
  if (found == state.end()) {
    throw CheckpointError(what + " has no entry '" + parameter.name() +
                          "', a parameter of this model; check that it was saved from the same model config");
  }
  if (found->second.sizes() != parameter.tensor.sizes()) {
    throw CheckpointError(what + " stores '" + parameter.name() + "' with shape " +
                          format_shape(found->second.sizes()) + ", but the model's parameter has shape " +
                          format_shape(parameter.tensor.sizes()) + "; check that it belongs to this model config");
  }
  return found->second;
}

// Scales a direction tensor `d` in place against the masked weight `w` (same shape, 2 or more dimensions),
// following Li et al. (2018), section 4.
void normalize_tensor(at::Tensor& d, const at::Tensor& w, Normalization normalization) {
  switch (normalization) {
    case Normalization::kFilter: {
      // Row i (a slice along dimension 0) becomes d_i / (||d_i|| + eps) * ||w_i||.
      const at::Tensor d_rows = d.reshape({d.size(0), -1});
      const at::Tensor w_rows = w.reshape({w.size(0), -1});
      const at::Tensor scale = w_rows.norm(2, at::IntArrayRef{1}, /*keepdim=*/true) / (d_rows.norm(2, at::IntArrayRef{1}, true) + kNormEpsilon);
      d = (d_rows * scale).reshape(d.sizes());
      break;
    }
    case Normalization::kLayer:
      d.mul_(w.norm() / (d.norm() + kNormEpsilon));
      break;
    case Normalization::kWeight:
      d.mul_(w);
      break;
    case Normalization::kNone:
      break;
  }
}

void check_lengths(const std::vector<const Direction*>& directions, const std::vector<double>& coefficients) {
  if (directions.size() != coefficients.size()) {
    throw std::invalid_argument("set_weights: " + std::to_string(directions.size()) + " directions but " +
                                std::to_string(coefficients.size()) + " coefficients");
  }
}

// Writes base + sum_i coefficients[i] * directions[i] for one parameter into `out`, which must not alias
// the inputs. Runs one fused pass per direction.
void write_combination(at::Tensor& out, const at::Tensor& base, const std::vector<const Direction*>& directions,
                       const std::vector<double>& coefficients, const std::string& name) {
  if (directions.empty()) {
    out.copy_(base);
    return;
  }
  at::add_out(out, base, directions[0]->at(name), coefficients[0]);
  for (size_t i = 1; i < directions.size(); ++i) out.add_(directions[i]->at(name), coefficients[i]);
}

}  // namespace

const std::vector<std::pair<std::string, Normalization>>& normalization_names() {
  static const std::vector<std::pair<std::string, Normalization>> names = {
      {"filter", Normalization::kFilter},
      {"layer", Normalization::kLayer},
      {"weight", Normalization::kWeight},
      {"none", Normalization::kNone},
  };
  return names;
}

std::string normalization_name(Normalization normalization) {
  for (const auto& [name, value] : normalization_names()) {
    if (value == normalization) return name;
  }
  return "unknown";
}

Normalization parse_normalization(const std::string& text) {
  return config::parse_choice(text, normalization_names(), "direction normalization");
}

at::Tensor find_mask(const StateDict& masks, const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    auto found = masks.find(name);
    if (found != masks.end()) return found->second;
  }
  return {};
}

void check_masks(const torch::nn::Module& module, const StateDict& masks, const std::string& what) {
  std::map<std::string, at::Tensor> parameter_of;
  for (const auto& parameter : model::unique_parameters(module)) {
    for (const std::string& name : parameter.names) parameter_of[name] = parameter.tensor;
  }
  for (const auto& [name, mask] : masks) {
    auto found = parameter_of.find(name);
    if (found == parameter_of.end()) {
      throw CheckpointError(what + " has a mask for '" + name +
                            "', which is not a parameter of this model; check that the mask belongs to this model config");
    }
    if (mask.sizes() != found->second.sizes()) {
      throw CheckpointError(what + " has a mask of shape " + format_shape(mask.sizes()) + " for '" + name +
                            "', whose shape is " + format_shape(found->second.sizes()));
    }
    const at::Tensor as_float = mask.to(at::kFloat);
    if (!(as_float.eq(0) | as_float.eq(1)).all().item<bool>()) {
      throw CheckpointError(what + " has values other than 0 and 1 in the mask of '" + name + "'");
    }
  }
}

Direction random_direction(const torch::nn::Module& module, const StateDict& weights, const DirectionOptions& options,
                           const StateDict& masks) {
  check_masks(module, masks, "mask");
  torch::NoGradGuard no_grad;
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(options.seed);
  Direction direction;
  for (const auto& parameter : model::unique_parameters(module)) {
    const at::Tensor& weight = tensor_of(weights, parameter, "weights");
    // Every tensor draws from the stream, 1-D ones included, so that one tensor's treatment does not shift
    // the values of the tensors after it.
    at::Tensor d = at::randn(parameter.tensor.sizes(), generator, at::TensorOptions().dtype(weight.scalar_type()));
    at::Tensor w = weight.detach().to(at::kCPU);
    const at::Tensor mask = find_mask(masks, parameter.names);
    if (mask.defined()) {
      const at::Tensor mask_values = mask.to(at::kCPU, w.scalar_type());
      w = w * mask_values;
      d.mul_(mask_values);
    }

    if (parameter.tensor.dim() <= 1) {
      d = options.ignore_1d ? at::zeros_like(w) : w.clone();
    } else {
      normalize_tensor(d, w, options.normalization);
    }
    direction[parameter.name()] = d.to(parameter.tensor.device());
  }
  return direction;
}

Direction target_direction(const torch::nn::Module& module, const StateDict& from, const StateDict& to,
                           const StateDict& masks) {
  check_masks(module, masks, "mask");
  torch::NoGradGuard no_grad;
  Direction direction;
  for (const auto& parameter : model::unique_parameters(module)) {
    const at::Tensor start = tensor_of(from, parameter, "start checkpoint").to(parameter.tensor.device());
    const at::Tensor end = tensor_of(to, parameter, "end checkpoint").to(parameter.tensor.device());
    at::Tensor d = end - start;
    const at::Tensor mask = find_mask(masks, parameter.names);
    if (mask.defined()) d.mul_(mask.to(d.device(), d.scalar_type()));
    direction[parameter.name()] = d;
  }
  return direction;
}

void check_direction(const torch::nn::Module& module, const Direction& direction, const std::string& what) {
  std::set<std::string> expected;
  for (const auto& parameter : model::unique_parameters(module)) {
    expected.insert(parameter.name());
    auto found = direction.find(parameter.name());
    if (found == direction.end()) {
      throw CheckpointError(what + " has no entry for the parameter '" + parameter.name() +
                            "'; a direction must be built for this model config (same shapes and tying)");
    }
    if (found->second.sizes() != parameter.tensor.sizes()) {
      throw CheckpointError(what + " stores '" + parameter.name() + "' with shape " +
                            format_shape(found->second.sizes()) + ", but the model's parameter has shape " +
                            format_shape(parameter.tensor.sizes()) + "; it was built for another model config");
    }
    if (!at::isFloatingType(found->second.scalar_type())) {
      throw CheckpointError(what + " stores '" + parameter.name() + "' as " +
                            std::string(c10::toString(found->second.scalar_type())) + ", expected floating point");
    }
  }
  for (const auto& [name, tensor] : direction) {
    if (expected.count(name) == 0) {
      throw CheckpointError(what + " has an entry '" + name +
                            "' that is not a unique parameter of this model (a buffer, a tied alias or another "
                            "model's tensor); build the direction for this model config");
    }
  }
}

void set_weights(torch::nn::Module& module, const StateDict& base, const std::vector<const Direction*>& directions,
                 const std::vector<double>& coefficients) {
  check_lengths(directions, coefficients);
  torch::NoGradGuard no_grad;
  for (const auto& parameter : model::unique_parameters(module)) {
    at::Tensor target = parameter.tensor;
    write_combination(target, base.at(parameter.name()), directions, coefficients, parameter.name());
  }
}

StateDict combine(const torch::nn::Module& module, const StateDict& base,
                  const std::vector<const Direction*>& directions, const std::vector<double>& coefficients) {
  check_lengths(directions, coefficients);
  torch::NoGradGuard no_grad;
  StateDict result;
  for (const auto& parameter : model::unique_parameters(module)) {
    const at::Tensor& start = base.at(parameter.name());
    at::Tensor value = at::empty_like(start);
    write_combination(value, start, directions, coefficients, parameter.name());
    for (const std::string& name : parameter.names) result[name] = value;
  }
  for (const auto& item : module.named_buffers(/*recurse=*/true)) {
    auto found = base.find(item.key());
    result[item.key()] = (found != base.end() ? found->second : item.value()).detach().clone();
  }
  return result;
}

double direction_norm(const Direction& direction) {
  double squares = 0.0;
  for (const auto& [name, tensor] : direction) {
    squares += tensor.to(at::kDouble).pow(2).sum().item<double>();
  }
  return std::sqrt(squares);
}

}  // namespace tlt::space
