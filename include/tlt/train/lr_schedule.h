// The learning rate of a training run: warmup, ReduceLROnPlateau, both, or constant.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>

#include "tlt/optim/optimizer.h"
#include "tlt/optim/reduce_lr_on_plateau.h"
#include "tlt/train/train_options.h"

namespace tlt::train {

class LrSchedule {
 public:
  /// `d_model` sizes the warmup schedule. The optimizer must outlive the schedule.
  LrSchedule(const TrainOptions& options, int64_t d_model, optim::Optimizer& optimizer);
  ~LrSchedule();

  /// Sets the optimizer's learning rate for optimizer step `step` (counted from 1) and returns it.
  double before_step(int64_t step);

  /// Feeds the epoch's validation metric to ReduceLROnPlateau (if used); returns true if it reduced lr.
  bool after_epoch(double metric);

  /// State for resuming (plateau counters and reductions).
  nlohmann::json state() const;
  void load_state(const nlohmann::json& state);

 private:
  TrainOptions options_;
  int64_t d_model_;
  optim::Optimizer& optimizer_;
  std::unique_ptr<optim::ReduceLROnPlateau> plateau_;
};

}  // namespace tlt::train
