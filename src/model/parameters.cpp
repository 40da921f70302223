#include "tlt/model/parameters.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/generated/variable_factories.h>

#include <unordered_map>

#include "tlt/util/error.h"

namespace tlt::model {

std::vector<UniqueParameter> unique_parameters(const torch::nn::Module& module) {
  std::vector<UniqueParameter> result;
  std::unordered_map<const void*, size_t> index_of;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) {
    const void* key = item.value().unsafeGetTensorImpl();
    auto found = index_of.find(key);
    if (found != index_of.end()) {
      result[found->second].names.push_back(item.key());
    } else {
      index_of[key] = result.size();
      result.push_back({{item.key()}, item.value()});
    }
  }
  return result;
}

int64_t count_parameters(const torch::nn::Module& module) {
  int64_t count = 0;
  for (const auto& parameter : unique_parameters(module)) count += parameter.tensor.numel();
  return count;
}

StateDict module_state(const torch::nn::Module& module) {
  StateDict state;
  for (const auto& item : module.named_parameters(true)) state[item.key()] = item.value().detach();
  for (const auto& item : module.named_buffers(true)) state[item.key()] = item.value().detach();
  return state;
}

StateDict clone_state(const StateDict& state) {
  StateDict copy;
  for (const auto& [name, tensor] : state) copy[name] = tensor.detach().to(at::kCPU).clone();
  return copy;
}

void load_module_state(torch::nn::Module& module, const StateDict& state, const std::string& what) {
  const StateDict current = module_state(module);
  check_state_dict_matches(state, current, what);

  // A tied tensor must get one value: its names must hold equal tensors in the file.
  for (const auto& parameter : unique_parameters(module)) {
    for (size_t i = 1; i < parameter.names.size(); ++i) {
      if (!at::equal(state.at(parameter.names[0]), state.at(parameter.names[i]))) {
        throw CheckpointError(what + " holds different values for '" + parameter.names[0] + "' and '" +
                              parameter.names[i] + "', which this model ties into one tensor; check model.share_" +
                              "embeddings and model.share_projection");
      }
    }
  }

  torch::NoGradGuard no_grad;
  for (const auto& [name, tensor] : current) {
    const at::Tensor& source = state.at(name);
    if (source.scalar_type() != tensor.scalar_type() && !at::isFloatingType(source.scalar_type())) {
      throw CheckpointError(what + " stores '" + name + "' as " + std::string(c10::toString(source.scalar_type())) +
                            ", expected floating point");
    }
    tensor.copy_(source);
  }
}

}  // namespace tlt::model
