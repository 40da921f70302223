#include "tlt/train/train_options.h"

#include "tlt/config/schema.h"

namespace tlt::train {

void bind(config::Schema& schema, const std::string& prefix, TrainOptions& o) {
  schema.field(prefix + "epochs", o.epochs, "passes over the training data").min(1);
  schema.field(prefix + "seed", o.seed, "seed of initialisation, dropout and batch order").min(0);
  optim::bind(schema, prefix + "optimizer.", o.optimizer);
  schema.choice(prefix + "scheduler", o.scheduler,
                {{"warmup", SchedulerKind::kWarmup},
                 {"plateau", SchedulerKind::kPlateau},
                 {"warmup+plateau", SchedulerKind::kWarmupPlateau},
                 {"none", SchedulerKind::kNone}},
                "learning-rate schedule: warmup (Vaswani et al. 2017), ReduceLROnPlateau, both, or constant lr");
  schema.field(prefix + "warmup_steps", o.warmup_steps, "warmup length in optimizer steps").min(1);
  schema.field(prefix + "lr_mul", o.lr_mul, "multiplier of the warmup schedule").greater_than(0);
  optim::bind(schema, prefix + "plateau.", o.plateau);
  schema.choice(prefix + "metric", o.metric, {{"valid_loss", Metric::kValidLoss}, {"valid_acc", Metric::kValidAccuracy}},
                "validation metric that selects best.pt and drives ReduceLROnPlateau");
  schema.field(prefix + "label_smoothing", o.label_smoothing, "label smoothing eps; 0 is plain cross-entropy")
      .min(0)
      .less_than(1);
  schema.choice(prefix + "loss_reduction", o.loss_reduction,
                {{"sum", LossReduction::kSum}, {"mean", LossReduction::kMean}},
                "differentiate the summed token loss of a batch (as the reference) or its mean");
  schema.choice(prefix + "save", o.save, {{"all", SaveMode::kAll}, {"best", SaveMode::kBest}, {"last", SaveMode::kLast}},
                "checkpoints to keep: every epoch + best + last, best + last, or last only");
  schema.field(prefix + "max_steps_per_epoch", o.max_steps_per_epoch,
               "stop each epoch after this many optimizer steps (0 = whole epochs)")
      .min(0);
  schema.field(prefix + "save_steps", o.save_steps,
               "also save the weights as step_NNNNNN.pt after these optimizer steps, for late rewinding")
      .min(1);
  schema.field(prefix + "init_from", o.init_from, "state_dict to start from instead of a random init (empty = random)");
  schema.field(prefix + "mask", o.mask, "pruning mask file; pruned weights stay exactly zero (empty = no mask)");
  schema.field(prefix + "log_interval_s", o.log_interval_s, "seconds between progress lines in a log file")
      .greater_than(0);
  schema.field(prefix + "bleu_every", o.bleu_every,
               "decode the validation set and write its BLEU to valid.csv every this many epochs and after the last "
               "(0 = never)")
      .min(0);
  schema.field(prefix + "bleu_beam", o.bleu_beam, "beam size for that BLEU; 1 is greedy search").min(1);
  schema.field(prefix + "bleu_sentences", o.bleu_sentences,
               "score only the first this many validation pairs (0 = all)")
      .min(0);
}

std::vector<std::string> validate(const TrainOptions& o) {
  std::vector<std::string> problems = optim::validate(o.optimizer);
  const bool uses_plateau = o.scheduler == SchedulerKind::kPlateau || o.scheduler == SchedulerKind::kWarmupPlateau;
  if (uses_plateau) {
    for (std::string& problem : optim::validate(o.plateau)) problems.push_back(std::move(problem));
  }
  return problems;
}

}  // namespace tlt::train
