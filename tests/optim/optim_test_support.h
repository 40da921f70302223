// Helpers shared by the optim tests: reading the PyTorch fixtures of scripts/make_optim_fixtures.py and
// replaying their gradient sequence.
#pragma once

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "support/test_support.h"
#include "tlt/optim/optimizer.h"
#include "tlt/util/file_io.h"

namespace tlt::testing {

/// Parses tests/data/optim/<name>.
inline nlohmann::json read_optim_fixture(const std::string& name) {
  return nlohmann::json::parse(read_file(source_dir() / "tests" / "data" / "optim" / name));
}

/// Builds a tensor of `shape` and `dtype` from a flat JSON list of numbers.
inline at::Tensor tensor_from_json(const nlohmann::json& values, const std::vector<int64_t>& shape,
                                   at::ScalarType dtype) {
  const std::vector<double> flat = values.get<std::vector<double>>();
  return at::tensor(flat, at::TensorOptions().dtype(at::kDouble)).reshape(shape).to(dtype);
}

/// Optimizer options of a trajectory case; the learning rates come from its groups.
inline optim::OptimizerOptions optimizer_options_from_json(const nlohmann::json& record) {
  optim::OptimizerOptions options;
  options.name = optim::parse_optimizer_kind(record.at("optimizer").get<std::string>());
  const nlohmann::json& fixture_options = record.at("options");
  options.momentum = fixture_options.value("momentum", 0.0);
  options.dampening = fixture_options.value("dampening", 0.0);
  options.weight_decay = fixture_options.value("weight_decay", 0.0);
  options.eps = fixture_options.value("eps", 1e-8);
  options.amsgrad = fixture_options.value("amsgrad", false);
  options.maximize = fixture_options.value("maximize", false);
  if (fixture_options.contains("betas")) {
    options.beta1 = fixture_options.at("betas").at(0).get<double>();
    options.beta2 = fixture_options.at("betas").at(1).get<double>();
  }
  return options;
}

/// Replays one case of optimizer_trajectories.json: its parameters, its groups, and the gradients
/// coefficient * parameter + noise[step] that the fixture script used.
class TrajectoryReplay {
 public:
  TrajectoryReplay(const nlohmann::json& fixture, const nlohmann::json& record) : fixture_(fixture), record_(record) {
    dtype_ = record.at("dtype") == "float32" ? at::kFloat : at::kDouble;
    for (const auto& [name, shape] : fixture.at("shapes").items()) {
      shapes_[name] = shape.get<std::vector<int64_t>>();
      params_[name] = tensor_from_json(fixture.at("initial").at(name), shapes_[name], dtype_).set_requires_grad(true);
    }
  }

  /// Parameter groups in the case's order, over this replay's parameters.
  std::vector<optim::ParamGroup> groups() const {
    std::vector<optim::ParamGroup> groups;
    for (const nlohmann::json& group : record_.at("groups")) {
      optim::ParamGroup entry;
      for (const nlohmann::json& name : group.at(0)) entry.params.push_back(params_.at(name.get<std::string>()));
      entry.lr = group.at(1).get<double>();
      groups.push_back(entry);
    }
    return groups;
  }

  /// Applies the case's learning-rate change before `step` (1-based), if any.
  void apply_lr_change(optim::Optimizer& optimizer, int step) const {
    const nlohmann::json& changes = record_.at("lr_changes");
    const std::string key = std::to_string(step);
    if (!changes.contains(key)) return;
    for (size_t group = 0; group < changes.at(key).size(); ++group) {
      optimizer.set_lr(group, changes.at(key).at(group).get<double>());
    }
  }

  /// Sets every parameter's gradient for `step` (1-based), or leaves it undefined where the case
  /// has no gradient at that step.
  void set_gradients(int step) {
    at::NoGradGuard no_grad;
    const double coefficient = fixture_.at("gradient_coefficient").get<double>();
    for (auto& [name, param] : params_) {
      const nlohmann::json& missing = record_.at("missing_gradients");
      bool skip = false;
      if (missing.contains(name)) {
        for (const nlohmann::json& missing_step : missing.at(name)) skip = skip || missing_step.get<int>() == step;
      }
      if (skip) {
        param.mutable_grad() = at::Tensor();
        continue;
      }
      const at::Tensor noise = tensor_from_json(fixture_.at("noise").at(name).at(step - 1), shapes_.at(name), dtype_);
      param.mutable_grad() = param.detach().mul(coefficient).add(noise);
    }
  }

  /// Returns the PyTorch value of parameter `name` after `step` (1-based).
  at::Tensor expected(const std::string& name, int step) const {
    return tensor_from_json(record_.at("trajectory").at(name).at(step - 1), shapes_.at(name), dtype_);
  }

  /// Overwrites every parameter with its PyTorch value after `step`.
  void set_params_to_expected(int step) {
    at::NoGradGuard no_grad;
    for (auto& [name, param] : params_) param.copy_(expected(name, step));
  }

  std::map<std::string, at::Tensor>& params() { return params_; }
  int steps() const { return fixture_.at("steps").get<int>(); }

 private:
  const nlohmann::json& fixture_;
  const nlohmann::json& record_;
  at::ScalarType dtype_ = at::kDouble;
  std::map<std::string, std::vector<int64_t>> shapes_;
  std::map<std::string, at::Tensor> params_;
};

/// Returns the case named `name` of optimizer_trajectories.json; fails the test if it is missing.
inline const nlohmann::json& find_case(const nlohmann::json& fixture, const std::string& name) {
  for (const nlohmann::json& record : fixture.at("cases")) {
    if (record.at("name") == name) return record;
  }
  ADD_FAILURE() << "case '" << name << "' is not in the fixture; regenerate it with scripts/make_optim_fixtures.py";
  static const nlohmann::json empty;
  return empty;
}

}  // namespace tlt::testing
