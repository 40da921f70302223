// Options of `tlt prune`: which weights are pruned and how many, and which weights the pruned network is
// retrained from.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tlt/space/direction.h"

namespace tlt::config {
class Schema;
}

namespace tlt::prune {

/// Whether one magnitude threshold spans every prunable weight (global) or each prunable tensor loses the
/// same fraction of its own weights (tensor).
enum class PruneScope { kGlobal, kTensor };

/// The weights that the pruned network is retrained from (before the mask is applied to them).
enum class InitMode {
  kRewind,      ///< "rewind": the source run's recorded init w0, RUN/init.pt (Frankle and Carbin 2019)
  kCheckpoint,  ///< "checkpoint": an early checkpoint of the source run, RUN/epoch_NNN.pt or RUN/step_NNNNNN.pt
  kRandom,      ///< "random": a fresh random init drawn with another seed (the control)
  kPerturbed,   ///< "perturbed": w0 + alpha * (w* - w0) + beta * y, with y a normalised random direction
};

struct PruneOptions {
  double rate = 0.2;                       ///< fraction of the still unpruned prunable weights to prune, in [0, 1)
  PruneScope scope = PruneScope::kGlobal;  ///< one threshold over all prunable weights, or the same rate per tensor
  std::vector<std::string> include = {"*"};  ///< name patterns of the weights that may be pruned (see NamePattern)
  std::vector<std::string> exclude;          ///< name patterns of weights that are never pruned
};

/// Registers the fields under `prefix`: rate, scope, include, exclude.
void bind(config::Schema& schema, const std::string& prefix, PruneOptions& options);

/// Returns one message per violation: an empty include list, or a pattern that is not a valid glob or regex.
std::vector<std::string> validate(const PruneOptions& options);

struct InitOptions {
  InitMode mode = InitMode::kRewind;  ///< where the retraining starts
  std::string rewind_to;              ///< checkpoint mode only: "epoch:K" (RUN/epoch_00K.pt) or "step:K" (RUN/step_00000K.pt)
  int64_t seed = -1;                  ///< random mode only: seed of the new init; -1 = the source run's train.seed + 1
  double alpha = 0.0;                 ///< perturbed mode only: coefficient of x = w* - w0
  double beta = 0.0;                  ///< perturbed mode only: coefficient of the random direction y
  space::Normalization normalization = space::Normalization::kFilter;  ///< perturbed mode: scaling of y against w0
  bool ignore_1d = true;              ///< perturbed mode: y is 0 on 1-D parameters; false: y is a copy of them
  int64_t direction_seed = 0;         ///< perturbed mode: seed of y's generator
};

/// Registers the fields under `prefix`: init, rewind_to, seed, alpha, beta, normalization, ignore_1d and
/// direction_seed.
void bind(config::Schema& schema, const std::string& prefix, InitOptions& options);

/// Returns one message per violation: checkpoint mode without rewind_to, a rewind_to that is not "epoch:K"
/// or "step:K", or rewind_to, seed, alpha or beta given to a mode that ignores them.
std::vector<std::string> validate(const InitOptions& options);

/// Returns the options of the perturbed init's random direction y.
space::DirectionOptions direction_options(const InitOptions& options);

/// Config and command-line names: "global" and "tensor".
const std::vector<std::pair<std::string, PruneScope>>& prune_scope_names();
/// Config and command-line names: "rewind", "checkpoint", "random" and "perturbed".
const std::vector<std::pair<std::string, InitMode>>& init_mode_names();

std::string to_string(PruneScope scope);
std::string to_string(InitMode mode);

/// Parses "global" or "tensor". Throws ConfigError listing the valid names.
PruneScope parse_prune_scope(const std::string& text);

/// Parses "rewind", "checkpoint", "random" or "perturbed". Throws ConfigError listing the valid names.
InitMode parse_init_mode(const std::string& text);

/// A point of the source run to rewind to, parsed from "epoch:K" or "step:K" (K >= 1).
struct RewindPoint {
  enum class Unit { kEpoch, kStep };
  Unit unit = Unit::kEpoch;
  int64_t index = 0;
};

/// Parses "epoch:K" or "step:K" with an integer K >= 1. Throws ConfigError naming the value otherwise.
RewindPoint parse_rewind_point(const std::string& text);

}  // namespace tlt::prune
