#include "tlt/optim/reduce_lr_on_plateau.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "tlt/config/schema.h"
#include "tlt/util/error.h"

namespace tlt::optim {

namespace {

const std::vector<std::pair<std::string, PlateauMode>>& mode_names() {
  static const std::vector<std::pair<std::string, PlateauMode>> names = {{"min", PlateauMode::kMin},
                                                                         {"max", PlateauMode::kMax}};
  return names;
}

const std::vector<std::pair<std::string, ThresholdMode>>& threshold_mode_names() {
  static const std::vector<std::pair<std::string, ThresholdMode>> names = {{"rel", ThresholdMode::kRel},
                                                                           {"abs", ThresholdMode::kAbs}};
  return names;
}

std::string mode_name(PlateauMode mode) { return mode == PlateauMode::kMin ? "min" : "max"; }

std::string format_number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

double worst_metric(PlateauMode mode) {
  const double infinity = std::numeric_limits<double>::infinity();
  return mode == PlateauMode::kMin ? infinity : -infinity;
}

// Returns state[key] after checking that it exists and has the expected JSON type.
const nlohmann::json& require(const nlohmann::json& state, const std::string& key,
                              bool (nlohmann::json::*is_type)() const, const std::string& type_name) {
  if (!state.contains(key) || !(state.at(key).*is_type)()) {
    throw CheckpointError("scheduler state key '" + key + "' is missing or not " + type_name +
                          "; check that the state was written by tlt's ReduceLROnPlateau");
  }
  return state.at(key);
}

}  // namespace

void bind(config::Schema& schema, const std::string& prefix, PlateauOptions& options) {
  schema.choice(prefix + "mode", options.mode, mode_names(),
                "min: reduce when the metric stops decreasing (a loss); max: when it stops increasing");
  schema.field(prefix + "factor", options.factor, "multiplier of the learning rate at each reduction")
      .min(0)
      .less_than(1);
  schema
      .field(prefix + "patience", options.patience,
             "evaluations without improvement that are tolerated before a reduction")
      .min(0);
  schema.field(prefix + "threshold", options.threshold, "smallest change of the metric that counts as improvement")
      .min(0);
  schema.choice(prefix + "threshold_mode", options.threshold_mode, threshold_mode_names(),
                "rel: threshold is relative to the best metric; abs: an absolute difference");
  schema.field(prefix + "cooldown", options.cooldown, "evaluations to wait after a reduction before counting again")
      .min(0);
  schema.field(prefix + "min_lr", options.min_lr, "lower bound of the learning rate: one value or one per group")
      .min(0);
  schema.field(prefix + "eps", options.eps, "a reduction of the learning rate by eps or less is not applied").min(0);
}

std::vector<std::string> validate(const PlateauOptions& options) {
  std::vector<std::string> violations;
  if (options.min_lr.empty()) {
    violations.push_back("plateau min_lr is empty: give one value or one per parameter group");
  }
  if (options.threshold_mode == ThresholdMode::kRel && options.threshold >= 1.0) {
    violations.push_back("plateau threshold = " + format_number(options.threshold) +
                         " with threshold_mode rel is out of range: expected < 1, because no metric could then "
                         "count as an improvement; lower threshold or use threshold_mode abs");
  }
  return violations;
}

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, PlateauOptions options)
    : optimizer_(optimizer), options_(std::move(options)), best_(worst_metric(options_.mode)) {
  // Check ranges through the same schema that a config file goes through, so that code which builds
  // options directly cannot bypass them.
  PlateauOptions checked = options_;
  config::Schema schema;
  bind(schema, "plateau.", checked);
  std::vector<std::string> violations = validate(options_);
  const size_t num_groups = optimizer_.param_groups().size();
  if (options_.min_lr.size() != 1 && options_.min_lr.size() != num_groups) {
    violations.push_back("plateau min_lr has " + std::to_string(options_.min_lr.size()) +
                         " values, but the optimizer has " + std::to_string(num_groups) +
                         " parameter groups: give one value for all groups or one per group");
  }
  schema.validate(violations);

  min_lrs_ = options_.min_lr.size() == 1 ? std::vector<double>(num_groups, options_.min_lr[0]) : options_.min_lr;
  scales_.assign(num_groups, 1.0);
}

bool ReduceLROnPlateau::is_better(double metric) const {
  // The four comparisons of ReduceLROnPlateau.is_better in torch/optim/lr_scheduler.py (1.13).
  if (options_.mode == PlateauMode::kMin) {
    return options_.threshold_mode == ThresholdMode::kRel ? metric < best_ * (1.0 - options_.threshold)
                                                          : metric < best_ - options_.threshold;
  }
  return options_.threshold_mode == ThresholdMode::kRel ? metric > best_ * (options_.threshold + 1.0)
                                                        : metric > best_ + options_.threshold;
}

bool ReduceLROnPlateau::step(double metric) {
  ++last_epoch_;
  if (is_better(metric)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    ++num_bad_epochs_;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    num_bad_epochs_ = 0;  // evaluations during a cooldown do not count
  }
  if (num_bad_epochs_ <= options_.patience) return false;

  bool reduced = false;
  for (size_t group = 0; group < scales_.size(); ++group) {
    const double old_lr = optimizer_.lr(group);
    const double new_lr = std::max(old_lr * options_.factor, min_lrs_[group]);
    if (old_lr - new_lr > options_.eps) {
      optimizer_.set_lr(group, new_lr);
      scales_[group] *= options_.factor;
      reduced = true;
      spdlog::info(
          "[optim] lr of group {} reduced from {:.4e} to {:.4e}: the metric did not improve on {} for {} "
          "evaluation(s)",
          group, old_lr, new_lr, best_, num_bad_epochs_);
    }
  }
  cooldown_counter_ = options_.cooldown;
  num_bad_epochs_ = 0;
  return reduced;
}

double ReduceLROnPlateau::scale(size_t group) const {
  if (group >= scales_.size()) {
    throw std::out_of_range("scheduler has " + std::to_string(scales_.size()) + " parameter groups, no group " +
                            std::to_string(group));
  }
  return scales_[group];
}

double ReduceLROnPlateau::scaled_lr(double base_lr, size_t group) const {
  const double reduced = base_lr * scale(group);
  return std::min(base_lr, std::max(reduced, min_lrs_[group]));
}

nlohmann::json ReduceLROnPlateau::state() const {
  nlohmann::json state;
  state["mode"] = mode_name(options_.mode);
  // JSON has no infinity, so the initial best is stored as null.
  state["best"] = std::isfinite(best_) ? nlohmann::json(best_) : nlohmann::json(nullptr);
  state["num_bad_epochs"] = num_bad_epochs_;
  state["cooldown_counter"] = cooldown_counter_;
  state["last_epoch"] = last_epoch_;
  state["scales"] = scales_;
  return state;
}

void ReduceLROnPlateau::load_state(const nlohmann::json& state) {
  if (!state.is_object()) {
    throw CheckpointError("scheduler state must be a JSON object, found " + std::string(state.type_name()));
  }
  const std::string mode = require(state, "mode", &nlohmann::json::is_string, "a string").get<std::string>();
  if (mode != mode_name(options_.mode)) {
    throw CheckpointError("scheduler state key 'mode' is '" + mode + "', but the scheduler has mode " +
                          mode_name(options_.mode) +
                          "; the best metric cannot carry over, so keep the mode of "
                          "the run that is resumed");
  }
  if (!state.contains("best") || !(state.at("best").is_null() || state.at("best").is_number())) {
    throw CheckpointError("scheduler state key 'best' is missing or not a number or null");
  }
  const nlohmann::json& best = state.at("best");
  const int num_bad_epochs = require(state, "num_bad_epochs", &nlohmann::json::is_number_integer, "an integer");
  const int cooldown_counter = require(state, "cooldown_counter", &nlohmann::json::is_number_integer, "an integer");
  const int64_t last_epoch = require(state, "last_epoch", &nlohmann::json::is_number_integer, "an integer");
  const nlohmann::json& scales = require(state, "scales", &nlohmann::json::is_array, "a list");
  if (scales.size() != scales_.size()) {
    throw CheckpointError("scheduler state key 'scales' has " + std::to_string(scales.size()) +
                          " values, but the optimizer has " + std::to_string(scales_.size()) + " parameter groups");
  }
  std::vector<double> loaded_scales;
  for (const nlohmann::json& value : scales) {
    if (!value.is_number()) throw CheckpointError("scheduler state key 'scales' contains a value that is not a number");
    loaded_scales.push_back(value.get<double>());
  }

  best_ = best.is_null() ? worst_metric(options_.mode) : best.get<double>();
  num_bad_epochs_ = num_bad_epochs;
  cooldown_counter_ = cooldown_counter;
  last_epoch_ = last_epoch;
  scales_ = std::move(loaded_scales);
}

}  // namespace tlt::optim
