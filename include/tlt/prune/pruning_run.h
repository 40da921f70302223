// `tlt prune`: one magnitude pruning step of a trained run, the init to retrain the remaining sub-network
// from, and optionally the retraining. It writes an output folder:
//
//   OUT/init.pt        the init for retraining, with the mask applied (pruned weights exactly 0)
//   OUT/mask.pt        the mask: parameter name -> float 0/1 tensor, a tied tensor under each of its names
//   OUT/sparsity.csv   name,numel,pruned,sparsity per masked tensor and a "total" row
//   OUT/config.yaml    the source run's config with train.init_from and train.mask set to the files above
//   OUT/prune.json     the request, the files used, the counts and the tlt version (written last)
//   OUT/train/         with retraining: the `tlt train` run folder of the retraining
//   OUT/retrain.json   with retraining: best epoch, validation loss and accuracy once it has finished
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "tlt/prune/prune_options.h"
#include "tlt/train/trainer.h"

namespace tlt::prune {

struct PruneRequest {
  std::string source_run;              ///< folder of a `tlt train` run whose weights are pruned
  std::string checkpoint = "best.pt";  ///< weights ranked by magnitude, and w* of the perturbed init; a file
                                       ///< name in source_run, or an absolute path
  std::string mask;                    ///< weights already pruned (a mask file); "" = the source run's train.mask
  std::string init_run;                ///< run whose init.pt and early checkpoints the init uses; "" = source_run
  PruneOptions prune;                  ///< which weights are pruned and how many
  InitOptions init;                    ///< the init for retraining
  std::vector<std::string> overrides;  ///< "key=value" settings of the retraining config
  std::string out;                     ///< output folder
  bool force = false;                  ///< replace an output folder that contains another pruning
  bool retrain = false;                ///< also train the pruned network, into OUT/train
  std::string device = "cpu";          ///< device of the retraining: "cpu" or "cuda"
};

/// The request as prune.json records it under "request", with paths made absolute. Two requests with equal
/// records produce the same pruning.
nlohmann::json request_record(const PruneRequest& request);

/// Every violation of the request: empty paths, option ranges and cross-field rules, and overrides of
/// train.init_from or train.mask (which the pruning sets).
std::vector<std::string> validate(const PruneRequest& request);

/// Throws ConfigError listing every violation of validate() and of the option ranges (rate in [0, 1), ...).
void check_request(const PruneRequest& request);

struct PruneOutcome {
  int64_t masked = 0;   ///< scalars in the masked tensors
  int64_t pruned = 0;   ///< scalars whose mask is 0
  bool reused = false;   ///< the output folder already held this pruning, which was kept as it was
  bool retrained = false;
  train::TrainSummary retrain_summary;  ///< valid when retrained
  double sparsity() const { return masked > 0 ? static_cast<double>(pruned) / static_cast<double>(masked) : 0.0; }
};

/// Prunes, writes the output folder and, with request.retrain, trains the pruned network.
///
/// Everything is computed and checked before the first file is written, and each file is written
/// atomically, so a bad input leaves no partial output. A folder that already contains this request's pruning
/// (its prune.json records the same request) is kept, and retraining resumes or is skipped when
/// retrain.json shows it finished. A folder containing another pruning, or other files, is replaced only with
/// request.force. Throws ConfigError for bad options or an occupied output folder, CheckpointError for a
/// missing or mismatched checkpoint, mask or init, and whatever train::run_training throws.
PruneOutcome run_pruning(const PruneRequest& request);

}  // namespace tlt::prune
