// Options of a training run, YAML section "train".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tlt/optim/optimizer.h"
#include "tlt/optim/reduce_lr_on_plateau.h"

namespace tlt::config {
class Schema;
}

namespace tlt::train {

/// Learning-rate schedule: the warmup schedule of Vaswani et al. (2017, eq. 3), ReduceLROnPlateau on a
/// validation metric, both (the warmup value times the plateau's reductions), or a constant lr.
enum class SchedulerKind { kWarmup, kPlateau, kWarmupPlateau, kNone };

/// Checkpoints that a run keeps: every epoch plus best and last, best and last, or last only.
enum class SaveMode { kAll, kBest, kLast };

/// Reduction of the token losses of a batch before backward: the sum (as the reference) or the mean.
enum class LossReduction { kSum, kMean };

/// Validation metric that selects best.pt and drives ReduceLROnPlateau.
enum class Metric { kValidLoss, kValidAccuracy };

struct TrainOptions {
  int64_t epochs = 100;               ///< passes over the training data
  int64_t seed = 1;                   ///< seeds initialisation, dropout and batch order
  optim::OptimizerOptions optimizer;  ///< section train.optimizer
  SchedulerKind scheduler = SchedulerKind::kWarmup;
  int64_t warmup_steps = 4000;        ///< warmup length in optimizer steps
  double lr_mul = 0.5;                ///< warmup schedule multiplier
  optim::PlateauOptions plateau;      ///< section train.plateau
  Metric metric = Metric::kValidLoss;
  double label_smoothing = 0.1;       ///< eps of the smoothed target distribution; 0 is plain cross-entropy
  LossReduction loss_reduction = LossReduction::kSum;
  SaveMode save = SaveMode::kAll;
  int64_t max_steps_per_epoch = 0;    ///< 0 = full epochs; else stop each epoch after this many steps (tests, smoke runs)
  std::vector<int64_t> save_steps;    ///< also save RUN/step_NNNNNN.pt after these optimizer steps (late rewinding)
  std::string init_from;              ///< state_dict to start from instead of a random init ("" = random)
  std::string mask;                   ///< pruning mask (name -> 0/1 tensor); pruned weights stay exactly 0
  double log_interval_s = 30.0;       ///< seconds between progress lines when stderr is not a terminal
  int64_t bleu_every = 0;             ///< BLEU on the validation set every this many epochs and at the last (0 = never)
  int64_t bleu_beam = 1;              ///< beam size of that decoding; 1 is greedy search
  int64_t bleu_sentences = 0;         ///< decode only the first this many validation pairs (0 = all)
};

void bind(config::Schema& schema, const std::string& prefix, TrainOptions& options);
std::vector<std::string> validate(const TrainOptions& options);

}  // namespace tlt::train
