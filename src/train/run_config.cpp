#include "tlt/train/run_config.h"

#include "tlt/config/schema.h"

namespace tlt::train {

namespace {

void bind_all(config::Schema& schema, RunConfig& config) {
  data::bind(schema, "data.", config.data);
  model::bind(schema, "model.", config.model);
  bind(schema, "train.", config.train);
}

}  // namespace

RunConfig load_run_config(const std::string& path, const std::vector<std::string>& overrides) {
  RunConfig config;
  config::Schema schema;
  bind_all(schema, config);
  if (!path.empty()) schema.load_yaml_file(path);
  for (const std::string& assignment : overrides) schema.apply_override(assignment);

  std::vector<std::string> problems = data::validate(config.data);
  for (auto& problem : model::validate(config.model)) problems.push_back(std::move(problem));
  for (auto& problem : validate(config.train)) problems.push_back(std::move(problem));
  schema.validate(problems);
  return config;
}

std::string to_yaml(RunConfig& config) {
  config::Schema schema;
  bind_all(schema, config);
  return schema.to_yaml();
}

std::string describe_run_config() {
  RunConfig config;
  config::Schema schema;
  bind_all(schema, config);
  return schema.describe();
}

}  // namespace tlt::train
