// Building the x and y directions of a surface or a sweep from command-line choices.
//
// Each axis is one of:
//   random  a Gaussian direction normalised against the centre weights (space::random_direction); the x
//           axis draws with `seed`, the y axis with `seed + 1`, so the two are independent
//   target  to - from between two checkpoints (space::target_direction): the study's x axis w* - w0 with
//           the defaults from = init.pt and to = the centre checkpoint, so that x = -1 is w0 and x = 0 is w*
//   pca     the first (on x) or second (on y) principal component of the run's checkpoints against the
//           centre weights (space::pca_directions), unit norm
//   FILE    a direction saved earlier (by --save-directions), checked against the model; the path is used
//           as given, relative to the working folder
//   none    (y only) no y axis: a 1-D surface
// Every direction is multiplied by the pruning mask, when there is one, so pruned weights stay zero.
//
// A checkpoint or pattern without a folder (for example "best.pt" or "epoch_*.pt") is looked up in the run
// folder; any other path is used as given.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>

#include "tlt/space/direction.h"
#include "tlt/util/state_dict.h"

namespace tlt::landscape {

struct DirectionSetup {
  std::string x = "random";                               ///< random | target | pca | FILE
  std::string y = "random";                               ///< random | target | pca | FILE | none
  space::DirectionOptions random;                         ///< normalisation, 1-D handling and seed of random axes
  std::string target_from = "init.pt";                    ///< start of a target direction (w0)
  std::string target_to;                                  ///< end of a target direction; "" = the centre checkpoint
  std::vector<std::string> pca_checkpoints = {"epoch_*.pt"};  ///< trajectory of pca axes (patterns, in order)
};

/// The directions of a surface and what the JSON sidecar records about them.
struct SurfaceDirections {
  space::Direction x;
  std::optional<space::Direction> y;  ///< empty for a 1-D surface
  nlohmann::json x_info;              ///< kind, seed, normalization, files, norm, ...
  nlohmann::json y_info;              ///< same for y; null for a 1-D surface
  nlohmann::json pca;                 ///< explained variance and trajectory when an axis is pca; null otherwise
};

/// Builds the directions. `center` holds the centre weights (keyed like model::module_state, masked
/// already) that random directions are normalised against and that pca and target directions are taken
/// against; `center_path` is their file (the default end of a target direction). Throws ConfigError for
/// x none and for a FILE that does not exist, ConfigError from space::pca_directions, and CheckpointError
/// for files that do not fit the module.
SurfaceDirections build_directions(const torch::nn::Module& module, const std::filesystem::path& run_dir,
                                   const StateDict& center, const std::filesystem::path& center_path,
                                   const DirectionSetup& setup, const StateDict& masks);

/// Writes x.pt and (for a 2-D surface) y.pt into `folder` in the checkpoint format, plus directions.json
/// with x_info, y_info and pca.
void save_directions(const SurfaceDirections& directions, const std::filesystem::path& folder);

/// Resolves a checkpoint argument: a bare file name is taken from `run_dir`, any other path as given.
std::filesystem::path resolve_in_run(const std::filesystem::path& run_dir, const std::string& path);

/// Expands patterns with * and ? in their file name (the folder part is literal), each sorted by name,
/// in the order given. A bare pattern is looked up in `run_dir`. Throws ConfigError naming `option` for a
/// pattern that matches no file.
std::vector<std::filesystem::path> expand_checkpoint_patterns(const std::filesystem::path& run_dir,
                                                              const std::vector<std::string>& patterns,
                                                              const std::string& option);

/// Loads a checkpoint and checks it against `module` (keys and shapes). Throws CheckpointError naming the file.
StateDict load_checkpoint_for(const torch::nn::Module& module, const std::filesystem::path& path);

/// Multiplies every entry of `state` that has a mask (under any name of its tensor) by the mask.
void apply_masks(const torch::nn::Module& module, StateDict& state, const StateDict& masks);

}  // namespace tlt::landscape
