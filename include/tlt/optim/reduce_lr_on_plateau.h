// ReduceLROnPlateau: multiplies the learning rates by a factor when a validation metric stops improving,
// with the exact rules of torch.optim.lr_scheduler.ReduceLROnPlateau in PyTorch 1.13.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "tlt/optim/optimizer.h"

namespace tlt::config {
class Schema;
}

namespace tlt::optim {

/// Whether a lower (kMin, for a loss) or a higher (kMax, for an accuracy or BLEU) metric is better.
enum class PlateauMode { kMin, kMax };

/// Whether `threshold` is relative to the best metric (kRel) or an absolute difference (kAbs).
enum class ThresholdMode { kRel, kAbs };

struct PlateauOptions {
  PlateauMode mode = PlateauMode::kMin;                ///< "min" or "max"
  double factor = 0.1;                                 ///< new lr = lr * factor, in [0, 1)
  int patience = 10;                                   ///< evaluations without improvement that are tolerated
  double threshold = 1e-4;                             ///< smallest change that counts as an improvement
  ThresholdMode threshold_mode = ThresholdMode::kRel;  ///< "rel" or "abs"
  int cooldown = 0;                                    ///< evaluations to wait after a reduction
  std::vector<double> min_lr = {0.0};                  ///< lower bound of lr: one value, or one per group
  double eps = 1e-8;                                   ///< a reduction smaller than eps is not applied
};

/// Registers every field under `prefix` (for example "train.plateau."), with its allowed range.
void bind(config::Schema& schema, const std::string& prefix, PlateauOptions& options);

/// Returns every violation that a single field's range cannot express: an empty min_lr list, and a
/// relative threshold >= 1. The constructor checks the number of min_lr values against the groups.
std::vector<std::string> validate(const PlateauOptions& options);

/// Learning-rate scheduler driven by a metric. Call step() once per evaluation of the metric.
///
/// Combined with a schedule that sets the learning rate at every training step (for example warmup),
/// the trainer sets lr = scaled_lr(warmup_lr(step, ...), group) before each optimizer step. scale(group)
/// is the product of the reductions applied so far, so they multiply the schedule instead of being
/// overwritten by it. step() still decides from the group's current lr, as PyTorch's scheduler does on
/// an optimizer whose lr another schedule sets.
class ReduceLROnPlateau {
 public:
  /// Keeps a reference to `optimizer`, which must outlive the scheduler. Throws ConfigError for an
  /// option out of range or a min_lr list whose length is neither 1 nor the number of groups.
  ReduceLROnPlateau(Optimizer& optimizer, PlateauOptions options);

  /// Records one value of the metric. After more than `patience` evaluations without improvement
  /// (outside a cooldown), sets each group's lr to max(lr * factor, min_lr[group]) unless that lowers it
  /// by eps or less. Returns true if any group's lr was lowered at this call; logs each lowered lr.
  bool step(double metric);

  /// Returns the product of `factor` over the reductions applied to `group` so far (1 before any).
  double scale(size_t group) const;

  /// Returns base_lr * scale(group), raised to the group's min_lr but never above base_lr. As in step(),
  /// the floor lowers the reduction and never raises the schedule's own rate.
  double scaled_lr(double base_lr, size_t group) const;

  /// Returns the best metric so far, or +inf (mode min) / -inf (mode max) before the first step.
  double best() const { return best_; }

  /// Returns the number of consecutive evaluations without improvement, reset by a reduction.
  int num_bad_epochs() const { return num_bad_epochs_; }

  /// Returns the number of evaluations left in the current cooldown.
  int cooldown_counter() const { return cooldown_counter_; }

  /// Returns the number of step() calls so far.
  int64_t last_epoch() const { return last_epoch_; }

  const PlateauOptions& options() const { return options_; }

  /// Returns the state to resume from, with the keys "mode", "best" (null while infinite),
  /// "num_bad_epochs", "cooldown_counter", "last_epoch" and "scales". The options are not included
  /// because they come from the config.
  nlohmann::json state() const;

  /// Restores a state written by state(). Throws CheckpointError naming the key that is missing or has
  /// the wrong type, a mode that differs from this scheduler's, or a number of scales that differs from
  /// the number of groups.
  void load_state(const nlohmann::json& state);

 private:
  bool is_better(double metric) const;

  Optimizer& optimizer_;
  PlateauOptions options_;
  std::vector<double> min_lrs_;  // one per group
  std::vector<double> scales_;   // one per group
  double best_;
  int num_bad_epochs_ = 0;
  int cooldown_counter_ = 0;
  int64_t last_epoch_ = 0;
};

}  // namespace tlt::optim
