// The resolved configuration of a `tlt train` run: data, model and train sections.
#pragma once

#include <string>
#include <vector>

#include "tlt/data/data_options.h"
#include "tlt/model/transformer_options.h"
#include "tlt/train/train_options.h"

namespace tlt::train {

struct RunConfig {
  data::DataOptions data;
  model::TransformerOptions model;
  TrainOptions train;
};

/// Builds a RunConfig from built-in defaults, then the YAML file (if `path` is not empty), then each
/// "key=value" override. Throws ConfigError listing every invalid key or value.
RunConfig load_run_config(const std::string& path, const std::vector<std::string>& overrides);

/// The resolved config as YAML; load_run_config() of this text yields the same values.
std::string to_yaml(RunConfig& config);

/// Every key with its type, value and help, for `tlt config --list`.
std::string describe_run_config();

}  // namespace tlt::train
