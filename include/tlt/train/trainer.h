// `tlt train`: trains the Transformer on a parallel corpus and writes a run folder:
//
//   config.yaml     the resolved configuration
//   run.json        tlt and LibTorch versions, git revision, seed, threads, device
//   init.pt         the weights before the first step (w0)
//   epoch_NNN.pt    the weights after each epoch (save: all)
//   best.pt         the weights with the best validation metric
//   last.pt         the weights after the latest epoch
//   train.csv       one row per epoch; valid.csv likewise
//   train_state.pt  model, optimizer, schedule and progress for --resume (train_state.json: a readable copy)
//   spm.model       the shared SentencePiece model
//   train.log       the log of every session of this run
//   step_NNNNNN.pt  the weights after the optimizer steps listed in train.save_steps (late rewinding)
#pragma once

#include <string>

#include "tlt/dist/process_group.h"
#include "tlt/train/run_config.h"

namespace tlt::train {

struct TrainSession {
  std::string run_dir;         ///< output folder
  bool resume = false;         ///< continue the run in run_dir from its last complete epoch
  std::string device = "cpu";  ///< "cpu", "cuda" (in a data-parallel run the GPU numbered LOCAL_RANK) or "cuda:N"
  /// Data-parallel ranks (null = one process). Each rank trains on its share of the sentences of every
  /// batch, gradients are summed over the ranks before each step, and only rank 0 writes the run folder.
  dist::ProcessGroup* group = nullptr;
};

/// Summary of a finished run.
struct TrainSummary {
  int64_t epochs_done = 0;
  int64_t best_epoch = 0;
  double best_valid_loss = 0.0;
  double best_valid_accuracy = 0.0;
};

/// Runs (or resumes) training. Throws ConfigError, DataError or CheckpointError for bad input, and
/// Interrupted after SIGINT/SIGTERM once the state of the last complete epoch is on disk.
TrainSummary run_training(const RunConfig& config, const TrainSession& session);

}  // namespace tlt::train
