// The weights a pruned network is retrained from. Rewinding takes the run's recorded init w0, as Frankle and
// Carbin (2019) do to find a winning ticket, and late rewinding an early checkpoint of the run. The controls
// are a fresh random init, and w0 moved along the training direction and along a random direction.
#pragma once

#include <torch/nn/module.h>

#include <cstdint>
#include <filesystem>

#include "tlt/model/transformer_options.h"
#include "tlt/prune/prune_options.h"
#include "tlt/util/state_dict.h"

namespace tlt::prune {

/// RUN/init.pt, the weights a `tlt train` run recorded before its first step. Throws CheckpointError if the
/// file is missing.
std::filesystem::path recorded_init_path(const std::filesystem::path& run_dir);

/// RUN/epoch_00K.pt or RUN/step_00000K.pt for a rewind point. Throws CheckpointError if the file is missing,
/// saying which run setting writes it (train.save: all for epochs, train.save_steps for steps).
std::filesystem::path rewind_checkpoint_path(const std::filesystem::path& run_dir, const RewindPoint& point);

/// The initial weights (module_state format, CPU) of a new Transformer built after seeding the default
/// generator with `seed`, as `tlt train` builds its model: a run with train.seed = S records this state for
/// seed S in RUN/init.pt. Reseeds the global default generator.
StateDict random_init(const model::TransformerOptions& options, int64_t vocab_size, uint64_t seed);

/// Returns w0 + alpha * x + beta * y under every name (buffers copied from w0), with
///   x = trained - w0 (space::target_direction), the direction training took, and
///   y = space::random_direction(module, w0, direction_options(options), mask), normalised against w0.
/// Both directions are zero at pruned entries; the caller applies the mask to the result as well. `w0` and
/// `trained` are keyed like model::module_state. Throws CheckpointError when they do not fit the module.
StateDict perturbed_init(const torch::nn::Module& module, const StateDict& w0, const StateDict& trained,
                         const InitOptions& options, const StateDict& mask);

}  // namespace tlt::prune
