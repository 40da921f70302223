// `tlt landscape`: filter-normalised loss surfaces around a checkpoint (Li, Xu, Taylor, Studer and
// Goldstein, "Visualizing the Loss Landscape of Neural Nets", NeurIPS 2018), for the Transformer of a
// `tlt train` run and for the learner of a `tlt synth-attn` study.
//
// One surface: OUT (CSV), OUT.json and, while incomplete, OUT.partial (see surface.h).
//
// Epoch-wise series (`checkpoints` not empty): the same directions are evaluated around each checkpoint, and
// OUT is a folder holding surface_000.csv, surface_001.csv, ... (each with its .json), index.csv
// (columns index,checkpoint,csv) and the directions (x.pt, y.pt, directions.json). The directions are built
// once against the centre checkpoint (`checkpoint`, default best.pt): random directions are normalised
// against its weights, and pca directions use it as the final point. Fixed directions make the frames of an
// animation comparable; each frame differs only in the weights it is centred on.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tlt/dist/process_group.h"
#include "tlt/landscape/direction_setup.h"
#include "tlt/landscape/evaluation_set.h"
#include "tlt/landscape/surface_model.h"

namespace tlt::landscape {

struct LandscapeOptions {
  std::string run_dir;                   ///< run folder with config.yaml: a tlt train run or a tlt synth-attn study
  std::vector<std::string> overrides;    ///< "key=value" overrides of the run's config, for example data.dir=...
  std::string checkpoint = "best.pt";    ///< centre weights; a bare file name is looked up in run_dir
  DirectionSetup directions;             ///< x and y directions
  std::string x_range = "-1:1:51";       ///< MIN:MAX:POINTS of the x axis
  std::string y_range = "-1:1:51";       ///< MIN:MAX:POINTS of the y axis (unused when directions.y is none)
  double scale = 1.0;                    ///< multiplies the axis values (the study: 1.0 global view, 0.2 local)
  std::string mask;                      ///< pruning mask file (WeightMask format); "" = no pruning
  EvaluationSetOptions evaluation;       ///< split and number of sentence pairs (or samples)
  std::string out;                       ///< CSV (one surface) or folder (series); "" = RUN/landscape.csv or RUN/landscape_series
  std::vector<std::string> checkpoints;  ///< patterns of an epoch-wise series, for example "epoch_*.pt"; empty = one surface
  std::string save_directions;           ///< folder to save x.pt, y.pt and directions.json in; "" = do not save
  int64_t max_points = 0;                ///< stop each surface after this many new points (0 = all); rerun to continue
  double save_interval_s = 10.0;         ///< seconds between rewrites of the partial results
  double log_interval_s = 30.0;          ///< seconds between progress lines when stderr is not a terminal
  bool fresh = false;                    ///< discard partial results computed with other arguments
  dist::ProcessGroup* group = nullptr;   ///< ranks that split every surface's points; null = one process
};

/// Returns every violation of `options` (the ranges are checked by parse_axis_range when the run starts).
std::vector<std::string> validate(const LandscapeOptions& options);

/// Files written by run_landscape.
struct LandscapeSummary {
  std::vector<std::filesystem::path> surfaces;  ///< CSV files, complete or partial
  bool complete = true;                         ///< false when max_points stopped a surface early
};

/// Computes one surface or an epoch-wise series as described at the top of this file. Throws ConfigError
/// for invalid options, DataError for unreadable data, CheckpointError for checkpoints, masks or direction
/// files that do not fit the run's model, and Interrupted after SIGINT or SIGTERM (partial results saved).
LandscapeSummary run_landscape(const LandscapeOptions& options);

/// Returns true when RUN/config.yaml is the config of a tlt synth-attn study (it has a "task" section) rather
/// than of a tlt train run. Throws ConfigError when the file is missing or is not valid YAML.
bool is_synth_attn_study(const std::filesystem::path& run_dir);

/// Reads RUN/config.yaml (with `overrides`) and returns the model of the run with its evaluation set:
/// a TransformerSurfaceModel for a tlt train run, a SynthSurfaceModel for a tlt synth-attn study (its
/// config has a "task" section). Throws ConfigError when the folder has no config.yaml.
std::unique_ptr<SurfaceModel> open_run_model(const std::filesystem::path& run_dir,
                                             const std::vector<std::string>& overrides,
                                             const EvaluationSetOptions& evaluation);

}  // namespace tlt::landscape
