// `tlt landscape sweep`: trains the Transformer from every point of a grid around w0 and records the
// validation metrics after each epoch, so that the surface of trained models can be animated.
//
// For each grid point (a, b) the sweep writes the initial weights w0 + a * x + b * y (masked when a mask is
// given) and runs train::run_training from them with the run's config, train.epochs = epochs and
// train.save = last. Output folder OUT:
//
//   OUT/sweep.json                  arguments, directions, grid and the arguments hash
//   OUT/x.pt, y.pt, directions.json the directions
//   OUT/sweep_epoch_001.csv, ...    one table per epoch, columns ix,iy,x,y,loss,ppl,acc: the validation
//                                   metrics of each point's run after that epoch (the run's valid split with
//                                   data.max_valid_pairs, plain cross-entropy), rewritten after every point
//   OUT/points/xIII_yJJJ/run/       the run of each point (config.yaml, valid.csv, last.pt, ...)
//
// Restart: a point whose valid.csv contains every epoch is skipped; a point interrupted after a complete epoch
// resumes from it (tlt train --resume); a point interrupted in its first epoch starts again. A folder whose
// sweep.json has another arguments hash is rejected.
//
// Directions are built as for `tlt landscape` (direction_setup.h) against the centre w0 (`checkpoint`,
// default init.pt); a target direction runs from init.pt to best.pt unless target_to says otherwise.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tlt/dist/process_group.h"
#include "tlt/landscape/direction_setup.h"

namespace tlt::landscape {

struct SweepOptions {
  std::string run_dir;                 ///< folder of a tlt train run (synth-attn studies are not supported)
  std::vector<std::string> overrides;  ///< "key=value" overrides of the run's config, for the data and the trainings
  std::string checkpoint = "init.pt";  ///< w0, the centre of the grid; a bare file name is looked up in run_dir
  DirectionSetup directions;           ///< x and y directions
  std::string x_range = "-1:1:5";      ///< MIN:MAX:POINTS of the x axis
  std::string y_range = "-1:1:5";      ///< MIN:MAX:POINTS of the y axis (unused when directions.y is none)
  double scale = 1.0;                  ///< multiplies the axis values
  std::string mask;                    ///< pruning mask for the initial weights and the trainings; "" = none
  int64_t epochs = 1;                  ///< epochs trained from each point
  int64_t max_steps_per_epoch = 0;     ///< 0 = full epochs; N = stop each epoch after N steps (smoke runs, tests)
  std::string out;                     ///< output folder; "" = RUN/sweep
  std::string device = "cpu";          ///< "cpu" or "cuda"
  int64_t max_points = 0;              ///< stop after training this many points (0 = all); rerun to continue
  dist::ProcessGroup* group = nullptr;  ///< ranks that share the points (point k goes to rank k % world size)
};

/// Returns every violation of `options`.
std::vector<std::string> validate(const SweepOptions& options);

struct SweepSummary {
  int64_t points = 0;    ///< grid points
  int64_t trained = 0;   ///< points trained (or resumed) in this call
  int64_t complete = 0;  ///< points with every epoch recorded
  std::filesystem::path out;
};

/// Runs the sweep described above. Throws ConfigError for invalid options or a folder holding another sweep,
/// the errors of train::run_training, and Interrupted after SIGINT or SIGTERM (finished epochs kept).
SweepSummary run_sweep(const SweepOptions& options);

}  // namespace tlt::landscape
