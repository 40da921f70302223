// A toy module for the direction tests, laid out like the one in scripts/make_space_fixtures.py.
#pragma once

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include "tlt/util/state_dict.h"

namespace tlt::space::testing {

/// Parameters embedding [6, 4], hidden [3, 4], hidden_bias [3], projection (the embedding tensor again,
/// so a tied pair), norm [4] and conv [2, 3, 2], and a buffer table [5, 4]. Unique parameters, in
/// registration order: embedding, hidden, hidden_bias, norm, conv.
class ToyModel : public torch::nn::Module {
 public:
  ToyModel() {
    embedding = register_parameter("embedding", at::zeros({6, 4}));
    hidden = register_parameter("hidden", at::zeros({3, 4}));
    hidden_bias = register_parameter("hidden_bias", at::zeros({3}));
    register_parameter("projection", embedding);
    norm = register_parameter("norm", at::ones({4}));
    conv = register_parameter("conv", at::zeros({2, 3, 2}));
    table = register_buffer("table", at::arange(20, at::kFloat).reshape({5, 4}));
  }
  at::Tensor embedding, hidden, hidden_bias, norm, conv, table;
};

/// The entries "<prefix>/<name>" of `reference`, without the prefix.
inline StateDict entries_with_prefix(const StateDict& reference, const std::string& prefix) {
  StateDict result;
  for (const auto& [key, tensor] : reference) {
    if (key.rfind(prefix + "/", 0) == 0) result[key.substr(prefix.size() + 1)] = tensor;
  }
  return result;
}

}  // namespace tlt::space::testing
