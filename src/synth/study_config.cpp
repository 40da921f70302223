#include "tlt/synth/study_config.h"

#include <fmt/format.h>

#include <set>
#include <stdexcept>

#include "tlt/config/schema.h"
#include "tlt/util/error.h"

namespace tlt::synth {

namespace {

// The optimizer sections in config order, each with its key prefix.
struct OptimizerSection {
  optim::OptimizerKind kind;
  std::string prefix;
};

const std::vector<OptimizerSection>& optimizer_sections() {
  static const std::vector<OptimizerSection> sections = {
      {optim::OptimizerKind::kSgd, "optimizers.sgd."},
      {optim::OptimizerKind::kNag, "optimizers.nag."},
      {optim::OptimizerKind::kAdam, "optimizers.adam."},
  };
  return sections;
}

std::string join_setting_names() {
  std::string joined;
  for (const Setting& setting : all_settings()) joined += (joined.empty() ? "" : " | ") + setting.name;
  return joined;
}

optim::OptimizerOptions& section_of(SynthAttnConfig& config, optim::OptimizerKind kind) {
  if (kind == optim::OptimizerKind::kSgd) return config.sgd;
  if (kind == optim::OptimizerKind::kNag) return config.nag;
  return config.adam;
}

void bind_all(config::Schema& schema, SynthAttnConfig& config) {
  bind(schema, "task.", config.task);
  bind(schema, "model.", config.model);
  bind(schema, "train.", config.train);
  for (const OptimizerSection& section : optimizer_sections()) {
    optim::bind(schema, section.prefix, section_of(config, section.kind));
  }
  optim::bind(schema, "plateau.", config.plateau);
}

}  // namespace

const std::vector<Setting>& all_settings() {
  static const std::vector<Setting> settings = {
      {"sgd", optim::OptimizerKind::kSgd, false},   {"sgd+plateau", optim::OptimizerKind::kSgd, true},
      {"nag", optim::OptimizerKind::kNag, false},   {"nag+plateau", optim::OptimizerKind::kNag, true},
      {"adam", optim::OptimizerKind::kAdam, false}, {"adam+plateau", optim::OptimizerKind::kAdam, true},
  };
  return settings;
}

std::vector<Setting> parse_settings(const std::vector<std::string>& names, const std::string& key) {
  if (names.empty()) {
    throw ConfigError(key + " is empty: name at least one setting of " + join_setting_names());
  }
  std::vector<Setting> settings;
  std::set<std::string> seen;
  for (const std::string& name : names) {
    const Setting* found = nullptr;
    for (const Setting& setting : all_settings()) {
      if (setting.name == name) found = &setting;
    }
    if (found == nullptr) {
      throw ConfigError("invalid setting '" + name + "' in " + key + ": expected one of " + join_setting_names());
    }
    if (!seen.insert(name).second) {
      throw ConfigError("setting '" + name + "' appears twice in " + key + "; list each setting once");
    }
    settings.push_back(*found);
  }
  return settings;
}

void bind(config::Schema& schema, const std::string& prefix, StudyOptions& options) {
  schema.field(prefix + "settings", options.settings,
               "settings to run, in order, from: sgd, sgd+plateau, nag, nag+plateau, adam, adam+plateau");
  schema.field(prefix + "seed", options.seed, "seed of the learner's initial weights, minibatch order and dropout")
      .min(0);
  schema.field(prefix + "epochs", options.epochs, "passes over the training split per setting").min(1);
  schema.field(prefix + "batch_size", options.batch_size, "samples per minibatch").min(1);
  schema.field(prefix + "valid_loss_threshold", options.valid_loss_threshold,
               "summary.csv reports the first epoch whose validation loss is below this value")
      .min(0);
}

optim::OptimizerOptions default_optimizer_options(optim::OptimizerKind kind) {
  optim::OptimizerOptions options;
  options.name = kind;
  switch (kind) {
    case optim::OptimizerKind::kSgd:
      options.lr = 0.3;
      break;
    case optim::OptimizerKind::kNag:
      options.lr = 0.02;
      options.momentum = 0.9;
      break;
    case optim::OptimizerKind::kAdam:
    case optim::OptimizerKind::kAdamW:
      options.lr = 3e-3;
      break;
  }
  return options;
}

optim::PlateauOptions default_plateau_options() {
  optim::PlateauOptions options;
  options.factor = 0.5;
  options.patience = 2;
  options.threshold = 1e-3;
  return options;
}

const optim::OptimizerOptions& SynthAttnConfig::optimizer(optim::OptimizerKind kind) const {
  switch (kind) {
    case optim::OptimizerKind::kSgd:
      return sgd;
    case optim::OptimizerKind::kNag:
      return nag;
    case optim::OptimizerKind::kAdam:
      return adam;
    case optim::OptimizerKind::kAdamW:
      break;
  }
  throw std::invalid_argument("synth-attn has no optimizer section for " + optim::to_string(kind));
}

std::vector<std::string> validate(const SynthAttnConfig& config) {
  std::vector<std::string> violations = validate(config.task);
  for (std::string& violation : validate(config.model)) violations.push_back(std::move(violation));

  try {
    parse_settings(config.train.settings, "train.settings");
  } catch (const ConfigError& e) {
    violations.push_back(e.what());
  }

  for (const OptimizerSection& section : optimizer_sections()) {
    const optim::OptimizerOptions& options = config.optimizer(section.kind);
    if (options.name != section.kind) {
      violations.push_back(fmt::format("{}name = {} does not match its section: the section {} must use {}, "
                                       "because the setting names state the update rule",
                                       section.prefix, optim::to_string(options.name),
                                       section.prefix.substr(0, section.prefix.size() - 1),
                                       optim::to_string(section.kind)));
    }
    for (const std::string& violation : optim::validate(options)) {
      violations.push_back(section.prefix.substr(0, section.prefix.size() - 1) + ": " + violation);
    }
  }

  for (const std::string& violation : optim::validate(config.plateau)) violations.push_back(violation);
  if (config.plateau.mode != optim::PlateauMode::kMin) {
    violations.push_back("plateau.mode = max is invalid here: the scheduler follows the validation loss, which "
                         "should decrease; set plateau.mode to min");
  }
  if (config.plateau.min_lr.size() > 1) {
    violations.push_back(fmt::format("plateau.min_lr has {} values, but each optimizer has one parameter group: "
                                     "give one value",
                                     config.plateau.min_lr.size()));
  }
  return violations;
}

void check_synth_attn_config(const SynthAttnConfig& config) {
  SynthAttnConfig copy = config;
  config::Schema schema;
  bind_all(schema, copy);
  schema.validate(validate(config));
}

SynthAttnConfig load_synth_attn_config(const std::string& path, const std::vector<std::string>& overrides) {
  SynthAttnConfig config;
  config::Schema schema;
  bind_all(schema, config);
  if (!path.empty()) schema.load_yaml_file(path);
  for (const std::string& assignment : overrides) schema.apply_override(assignment);
  schema.validate(validate(config));
  return config;
}

std::string to_yaml(const SynthAttnConfig& config) {
  SynthAttnConfig copy = config;
  config::Schema schema;
  bind_all(schema, copy);
  return schema.to_yaml();
}

std::string describe_synth_attn_config() {
  SynthAttnConfig config;
  config::Schema schema;
  bind_all(schema, config);
  return schema.describe();
}

}  // namespace tlt::synth
