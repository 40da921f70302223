// Iterative magnitude pruning (Frankle and Carbin 2019, section 2): rounds of "prune a fraction of the
// remaining weights, rewind, retrain" until a target sparsity, each round in its own folder:
//
//   OUT/iterative.json   the request and the planned rates (written before the first round)
//   OUT/round_01/ ...    one `tlt prune --retrain` output folder per round (see pruning_run.h)
//   OUT/rounds.csv       round,rate,sparsity,pruned,masked,best_epoch,best_valid_loss,best_valid_accuracy
//
// Round 1 prunes the source run's checkpoint; round r > 1 prunes the same checkpoint name (best.pt by
// default) of round r-1's retraining, with round r-1's mask as the existing mask. Every round takes its
// init from the source run (its init.pt, early checkpoint, or the random or perturbed init built from it).
#pragma once

#include <vector>

#include "tlt/prune/pruning_run.h"

namespace tlt::prune {

struct IterativeRequest {
  PruneRequest round;           ///< settings of every round; .out is the folder of all rounds, and the rounds
                                ///< set .prune.rate, .retrain and (after round 1) .source_run and .mask
  double rate_per_round = 0.2;  ///< fraction of the remaining weights each round prunes, in (0, 1)
  double target = 0.8;          ///< sparsity at which the rounds stop, in (0, 1)
};

/// Returns the rate of each round. Rounds prune rate_per_round while the sparsity 1 - (1 - rate_per_round)^r
/// stays below target. The last round prunes 1 - (1 - target) / (1 - s), where s is the sparsity before it,
/// so that it ends exactly on target. Sparsities count from the weights unpruned before the first round.
/// Throws ConfigError for values outside (0, 1) or a plan of more than 99 rounds.
std::vector<double> plan_rounds(double rate_per_round, double target);

struct RoundOutcome {
  int round = 0;  ///< 1-based
  double rate = 0.0;
  PruneOutcome outcome;
};

/// Runs every round that is not complete yet. A rerun with the same request skips finished rounds and
/// resumes an interrupted one. A different request in the same folder needs round.force, which replaces the
/// rounds. Throws what run_pruning throws.
std::vector<RoundOutcome> run_iterative_pruning(const IterativeRequest& request);

}  // namespace tlt::prune
