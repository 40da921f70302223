#include "tlt/prune/prune_options.h"

#include "tlt/config/schema.h"
#include "tlt/prune/name_pattern.h"
#include "tlt/util/error.h"

namespace tlt::prune {

const std::vector<std::pair<std::string, PruneScope>>& prune_scope_names() {
  static const std::vector<std::pair<std::string, PruneScope>> names = {{"global", PruneScope::kGlobal},
                                                                       {"tensor", PruneScope::kTensor}};
  return names;
}

const std::vector<std::pair<std::string, InitMode>>& init_mode_names() {
  static const std::vector<std::pair<std::string, InitMode>> names = {{"rewind", InitMode::kRewind},
                                                                     {"checkpoint", InitMode::kCheckpoint},
                                                                     {"random", InitMode::kRandom},
                                                                     {"perturbed", InitMode::kPerturbed}};
  return names;
}

std::string to_string(PruneScope scope) {
  for (const auto& [name, value] : prune_scope_names()) {
    if (value == scope) return name;
  }
  return "unknown";
}

std::string to_string(InitMode mode) {
  for (const auto& [name, value] : init_mode_names()) {
    if (value == mode) return name;
  }
  return "unknown";
}

PruneScope parse_prune_scope(const std::string& text) {
  return config::parse_choice(text, prune_scope_names(), "pruning scope");
}

InitMode parse_init_mode(const std::string& text) { return config::parse_choice(text, init_mode_names(), "init mode"); }

RewindPoint parse_rewind_point(const std::string& text) {
  const auto invalid = [&text]() {
    return ConfigError("invalid rewind point '" + text +
                       "': expected epoch:K (the checkpoint RUN/epoch_00K.pt) or step:K (RUN/step_00000K.pt, "
                       "written when the run had train.save_steps) with an integer K >= 1");
  };
  const size_t colon = text.find(':');
  if (colon == std::string::npos) throw invalid();
  const std::string unit = text.substr(0, colon);
  const std::string number = text.substr(colon + 1);

  RewindPoint point;
  if (unit == "epoch") {
    point.unit = RewindPoint::Unit::kEpoch;
  } else if (unit == "step") {
    point.unit = RewindPoint::Unit::kStep;
  } else {
    throw invalid();
  }
  if (number.empty() || number.find_first_not_of("0123456789") != std::string::npos || number.size() > 12) {
    throw invalid();
  }
  point.index = std::stoll(number);
  if (point.index < 1) throw invalid();
  return point;
}

void bind(config::Schema& schema, const std::string& prefix, PruneOptions& o) {
  schema.field(prefix + "rate", o.rate, "fraction of the still unpruned prunable weights to prune now")
      .min(0)
      .less_than(1);
  schema.choice(prefix + "scope", o.scope, prune_scope_names(),
                "global: one magnitude threshold over all prunable weights; tensor: the same rate in each tensor");
  schema.field(prefix + "include", o.include,
               "name patterns of the weights that may be pruned (glob, or 're:' and a regex)");
  schema.field(prefix + "exclude", o.exclude, "name patterns of weights that are never pruned");
}

std::vector<std::string> validate(const PruneOptions& o) {
  std::vector<std::string> problems;
  if (o.include.empty()) {
    problems.push_back("the include list of name patterns is empty, so nothing can be pruned; give at least one "
                       "pattern, for example '*'");
  }
  for (const auto* list : {&o.include, &o.exclude}) {
    for (const std::string& pattern : *list) {
      try {
        NamePattern{pattern};
      } catch (const ConfigError& e) {
        problems.push_back(e.what());
      }
    }
  }
  return problems;
}

void bind(config::Schema& schema, const std::string& prefix, InitOptions& o) {
  schema.choice(prefix + "init", o.mode, init_mode_names(),
                "retraining init: recorded w0, an early checkpoint, a random init, or w0 + alpha x + beta y");
  schema.field(prefix + "rewind_to", o.rewind_to, "checkpoint init: epoch:K or step:K of the source run");
  schema.field(prefix + "seed", o.seed, "random init: seed of the new init (-1 = the source run's train.seed + 1)")
      .min(-1);
  schema.field(prefix + "alpha", o.alpha, "perturbed init: coefficient of x = w* - w0");
  schema.field(prefix + "beta", o.beta, "perturbed init: coefficient of the random direction y");
  schema.choice(prefix + "normalization", o.normalization, space::normalization_names(),
                "perturbed init: how y is scaled to w0 (Li et al. 2018, section 4)");
  schema.field(prefix + "ignore_1d", o.ignore_1d,
               "perturbed init: y is 0 on 1-D parameters (biases, LayerNorm); false: a copy of them");
  schema.field(prefix + "direction_seed", o.direction_seed, "perturbed init: seed of the random direction y").min(0);
}

std::vector<std::string> validate(const InitOptions& o) {
  std::vector<std::string> problems;
  const std::string mode = "'" + to_string(o.mode) + "'";
  if (o.mode == InitMode::kCheckpoint) {
    if (o.rewind_to.empty()) {
      problems.push_back("the checkpoint init needs a rewind point: give --rewind-to epoch:K or step:K");
    } else {
      try {
        parse_rewind_point(o.rewind_to);
      } catch (const ConfigError& e) {
        problems.push_back(e.what());
      }
    }
  } else if (!o.rewind_to.empty()) {
    problems.push_back("--rewind-to '" + o.rewind_to + "' applies to --init checkpoint only, but the init is " + mode);
  }
  if (o.mode != InitMode::kRandom && o.seed != -1) {
    problems.push_back("--seed " + std::to_string(o.seed) + " applies to --init random only, but the init is " + mode +
                       "; the perturbed init takes --direction-seed");
  }
  if (o.mode != InitMode::kPerturbed && (o.alpha != 0.0 || o.beta != 0.0)) {
    problems.push_back("--alpha and --beta apply to --init perturbed only, but the init is " + mode);
  }
  return problems;
}

space::DirectionOptions direction_options(const InitOptions& o) {
  space::DirectionOptions options;
  options.normalization = o.normalization;
  options.ignore_1d = o.ignore_1d;
  options.seed = static_cast<uint64_t>(o.direction_seed);
  return options;
}

}  // namespace tlt::prune
