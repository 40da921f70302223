// The files of a training run folder and the state that `tlt train --resume` continues from.
//
// train_state.pt is the one commit point of an epoch: it contains the model ("model.<name>"), the optimizer
// ("optimizer.<key>") and the progress and schedule as JSON ("progress_json", a uint8 tensor), written in
// one atomic rename, so a run killed at any moment resumes from one consistent epoch.
#pragma once

#include <filesystem>
#include <limits>
#include <string>

#include "tlt/model/transformer.h"
#include "tlt/optim/optimizer.h"
#include "tlt/train/lr_schedule.h"

namespace tlt::train {

/// Counters of a run, saved after every epoch.
struct TrainProgress {
  int64_t epoch = 0;  ///< last complete epoch
  int64_t step = 0;   ///< optimizer steps so far
  int64_t best_epoch = 0;
  double best_metric = std::numeric_limits<double>::quiet_NaN();
  double best_valid_loss = std::numeric_limits<double>::quiet_NaN();
  double best_valid_accuracy = std::numeric_limits<double>::quiet_NaN();
};

class RunFolder {
 public:
  explicit RunFolder(std::filesystem::path path);

  const std::filesystem::path& path() const { return path_; }

  /// Throws ConfigError if the folder already contains a run, so that no earlier output is overwritten.
  void require_fresh() const;

  /// Throws ConfigError if the folder has no training state to resume from.
  void require_resumable() const;

  /// Creates the folder and appends the log to train.log.
  void open_log() const;

  void write_config(const std::string& yaml) const;
  /// Writes run.json: the environment, seed, device, the number of data-parallel ranks, and
  /// `baseline_accuracy`, the validation token accuracy of always predicting the most frequent target token
  /// (the floor a model must beat).
  void write_run_json(int64_t seed, const std::string& device, int ranks, double baseline_accuracy) const;

  /// RUN/epoch_007.pt
  std::filesystem::path epoch_checkpoint(int64_t epoch) const;

  /// RUN/step_000500.pt: the weights after optimizer step 500 (train.save_steps).
  std::filesystem::path step_checkpoint(int64_t step) const;

  void save_progress(const TrainProgress& progress, const optim::Optimizer& optimizer, const LrSchedule& schedule,
                     const model::Transformer& model) const;

  /// Restores model, optimizer and schedule; returns the counters.
  TrainProgress load_progress(model::Transformer& model, optim::Optimizer& optimizer, LrSchedule& schedule) const;

 private:
  std::filesystem::path path_;
};

}  // namespace tlt::train
