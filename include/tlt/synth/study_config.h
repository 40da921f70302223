// The configuration of `tlt synth-attn`: task, learner, study loop, the three optimizer sections, the
// plateau scheduler, and the six settings that combine them.
//
// YAML sections: task.* (TaskOptions), model.* (LearnerOptions), train.* (StudyOptions),
// optimizers.sgd.*, optimizers.nag.*, optimizers.adam.* (each an optim::OptimizerOptions) and plateau.*
// (optim::PlateauOptions). A setting "X" trains with the section optimizers.X and a constant learning
// rate; "X+plateau" adds ReduceLROnPlateau, stepped once per epoch on the validation loss.
#pragma once

#include <string>
#include <vector>

#include "tlt/optim/optimizer.h"
#include "tlt/optim/reduce_lr_on_plateau.h"
#include "tlt/synth/attention_classifier.h"
#include "tlt/synth/synthetic_task.h"

namespace tlt::synth {

/// One training setting of the study.
struct Setting {
  std::string name;                 ///< "sgd", "sgd+plateau", "nag", "nag+plateau", "adam" or "adam+plateau"
  optim::OptimizerKind optimizer;   ///< kSgd, kNag or kAdam; selects the section optimizers.<optimizer>
  bool plateau = false;             ///< whether ReduceLROnPlateau lowers the learning rate
};

/// Returns the six settings in the study's order: sgd, sgd+plateau, nag, nag+plateau, adam, adam+plateau.
const std::vector<Setting>& all_settings();

/// Parses setting names. Throws ConfigError naming `key`, the invalid name and every valid name for an
/// unknown name, and for a name given twice or an empty list.
std::vector<Setting> parse_settings(const std::vector<std::string>& names, const std::string& key);

struct StudyOptions {
  /// Settings to run, in this order; "--settings a,b" on the command line replaces the list.
  std::vector<std::string> settings = {"sgd", "sgd+plateau", "nag", "nag+plateau", "adam", "adam+plateau"};
  int64_t seed = 1;                   ///< seed of the learner's initial weights, the minibatch order and dropout
  int epochs = 30;                    ///< passes over the training split per setting
  int64_t batch_size = 128;           ///< samples per minibatch; the last minibatch of an epoch may be smaller
  double valid_loss_threshold = 0.5;  ///< summary.csv reports the first epoch whose validation loss is below it
};

/// Registers every field under `prefix` (for example "train."), with its allowed range.
void bind(config::Schema& schema, const std::string& prefix, StudyOptions& options);

/// Returns the default options of the section optimizers.<kind>: the update rule `kind` and the
/// learning rates and momentum that configs/synth-attn.yaml documents.
optim::OptimizerOptions default_optimizer_options(optim::OptimizerKind kind);

/// Returns the default plateau options of the study: factor 0.5, patience 2, threshold 1e-3 (rel).
optim::PlateauOptions default_plateau_options();

struct SynthAttnConfig {
  TaskOptions task;
  LearnerOptions model;
  StudyOptions train;
  optim::OptimizerOptions sgd = default_optimizer_options(optim::OptimizerKind::kSgd);    ///< optimizers.sgd
  optim::OptimizerOptions nag = default_optimizer_options(optim::OptimizerKind::kNag);    ///< optimizers.nag
  optim::OptimizerOptions adam = default_optimizer_options(optim::OptimizerKind::kAdam);  ///< optimizers.adam
  optim::PlateauOptions plateau = default_plateau_options();

  /// Returns the section of `kind`; throws std::invalid_argument for adamw, which has no section.
  const optim::OptimizerOptions& optimizer(optim::OptimizerKind kind) const;
};

/// Returns every cross-field violation of a config: unknown or repeated settings, an optimizer section
/// whose name differs from the section, the optimizer and plateau cross-field rules, and task splits
/// without samples. It also rejects plateau.mode max, because the scheduler follows the validation loss.
std::vector<std::string> validate(const SynthAttnConfig& config);

/// Throws ConfigError listing every field out of range and every violation that validate() returns, for
/// a config built in code rather than loaded.
void check_synth_attn_config(const SynthAttnConfig& config);

/// Builds a config from the built-in defaults, then the YAML file (if `path` is not empty), then each
/// "key=value" override. Throws ConfigError listing every invalid key or value.
SynthAttnConfig load_synth_attn_config(const std::string& path, const std::vector<std::string>& overrides);

/// Returns the resolved config as YAML; load_synth_attn_config() of this text gives the same values.
std::string to_yaml(const SynthAttnConfig& config);

/// Returns every key with its type, default and help, for `tlt synth-attn --list`.
std::string describe_synth_attn_config();

}  // namespace tlt::synth
