// tlt landscape and tlt landscape sweep: parse options, call landscape::run_landscape or run_sweep.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "commands.h"
#include "tlt/config/schema.h"
#include "tlt/dist/process_group.h"
#include "tlt/landscape/landscape.h"
#include "tlt/landscape/sweep.h"
#include "tlt/util/error.h"
#include "tlt/util/run_info.h"

namespace tlt::app {

namespace {

// Text options that become enums after parsing.
struct DirectionArguments {
  std::string normalization = "filter";
  int64_t seed = 0;
};

struct LandscapeArguments {
  landscape::LandscapeOptions options;
  DirectionArguments direction;
  std::string eval_split = "valid";
};

struct SweepArguments {
  landscape::SweepOptions options;
  DirectionArguments direction;
};

// Options shared by tlt landscape and tlt landscape sweep: the run, the directions, the grid and the mask.
void add_direction_options(CLI::App& command, landscape::DirectionSetup& setup, DirectionArguments& direction) {
  command
      .add_option("--x", setup.x,
                  "x direction: random (filter-normalised Gaussian), target (--target-to minus --target-from), "
                  "pca (first principal component of --pca-checkpoints) or a direction FILE saved by "
                  "--save-directions")
      ->capture_default_str();
  command
      .add_option("--y", setup.y,
                  "y direction: random, target, pca (second principal component), a direction FILE, or none for a "
                  "1-D surface")
      ->capture_default_str();
  command
      .add_option("--normalization", direction.normalization,
                  "scaling of random directions (Li et al. 2018, section 4): filter (each row to the weight row's "
                  "norm), layer (each tensor to the weight's norm), weight (times the weight) or none")
      ->capture_default_str();
  command.add_flag("--ignore-1d,!--keep-1d", setup.random.ignore_1d,
                   "1-D parameters (biases, LayerNorm) get 0 in random directions (default), or with --keep-1d a "
                   "copy of the parameter");
  command.add_option("--seed", direction.seed, "seed of the x random direction; y uses seed + 1")
      ->capture_default_str();
  command
      .add_option("--target-from", setup.target_from,
                  "start of a target direction (w0); a bare file name is looked up in the run folder")
      ->capture_default_str();
  command.add_option("--target-to", setup.target_to,
                     "end of a target direction (default: the centre checkpoint; for a sweep: best.pt)");
  command
      .add_option("--pca-checkpoints", setup.pca_checkpoints,
                  "checkpoints of the trajectory for pca directions: file names or patterns with * and ?, quoted, "
                  "each sorted by name (repeatable)")
      ->capture_default_str();
}

void apply_direction_arguments(const DirectionArguments& direction, landscape::DirectionSetup& setup) {
  setup.random.normalization = space::parse_normalization(direction.normalization);
  if (direction.seed < 0) throw ConfigError("--seed " + std::to_string(direction.seed) + " must be >= 0");
  setup.random.seed = static_cast<uint64_t>(direction.seed);
}

void add_sweep_command(CLI::App& landscape_command, const std::shared_ptr<SweepArguments>& arguments,
                       CommonOptions& common) {
  landscape::SweepOptions& options = arguments->options;
  auto* command = landscape_command.add_subcommand(
      "sweep", "Train from every point w0 + a*x + b*y of a grid and record validation metrics after each epoch");
  command->add_option("--run", options.run_dir, "folder of a tlt train run (config.yaml, init.pt, best.pt)");
  command->add_option("--set", options.overrides,
                      "override a key of the run's config for the data and the trainings, for example "
                      "--set data.dir=data/multi30k (repeatable)");
  command
      ->add_option("--checkpoint", options.checkpoint,
                   "w0, the centre of the grid; a bare file name is looked up in the run folder")
      ->capture_default_str();
  add_direction_options(*command, options.directions, arguments->direction);
  command->add_option("--x-range", options.x_range, "x axis as MIN:MAX:POINTS; write --x-range=-1:1:5")
      ->capture_default_str();
  command->add_option("--y-range", options.y_range, "y axis as MIN:MAX:POINTS")->capture_default_str();
  command->add_option("--scale", options.scale, "multiplies the axis values")->capture_default_str();
  command->add_option("--mask", options.mask, "pruning mask file for the initial weights and the trainings");
  command->add_option("--epochs", options.epochs, "epochs trained from each point")->capture_default_str();
  command
      ->add_option("--max-steps-per-epoch", options.max_steps_per_epoch,
                   "stop each epoch after this many optimizer steps (0 = full epochs)")
      ->capture_default_str();
  command->add_option("--out,-o", options.out, "output folder (default: RUN/sweep)");
  command
      ->add_option(
          "--device", options.device,
          "device of the sweep's training: cpu, cuda (GPU LOCAL_RANK when launched as several ranks) or cuda:N")
      ->capture_default_str();
  command
      ->add_option("--max-points", options.max_points,
                   "train at most this many points, then stop (0 = all); rerun to continue")
      ->capture_default_str();
  add_common_options(*command, common);
}

}  // namespace

CommandRunner add_landscape_command(CLI::App& app, CommonOptions& common) {
  auto arguments = std::make_shared<LandscapeArguments>();
  auto sweep = std::make_shared<SweepArguments>();
  landscape::LandscapeOptions& options = arguments->options;
  auto* command = app.add_subcommand(
      "landscape",
      "Loss surface around a checkpoint along filter-normalised random, target, PCA or saved directions "
      "(Li et al. 2018); 'landscape sweep' trains from grid points");
  command->add_option("--run", options.run_dir,
                      "folder of a tlt train run or a tlt synth-attn study; its config.yaml gives model and data");
  command->add_option("--set", options.overrides,
                      "override a key of the run's config, for example --set data.dir=data/multi30k (repeatable)");
  command
      ->add_option("--checkpoint", options.checkpoint,
                   "centre weights; a bare file name is looked up in the run folder")
      ->capture_default_str();
  add_direction_options(*command, options.directions, arguments->direction);
  command
      ->add_option("--x-range", options.x_range,
                   "x axis as MIN:MAX:POINTS, evenly spaced like numpy.linspace; write --x-range=-1:1:51")
      ->capture_default_str();
  command->add_option("--y-range", options.y_range, "y axis as MIN:MAX:POINTS (ignored with --y none)")
      ->capture_default_str();
  command
      ->add_option("--scale", options.scale,
                   "multiplies the axis values; the CSV's x and y are the scaled coefficients (1.0 global view, "
                   "0.2 local view)")
      ->capture_default_str();
  command->add_option("--mask", options.mask,
                      "pruning mask file: masked weights are zero at the centre and along every direction");
  command->add_option("--eval-split", arguments->eval_split, "split to evaluate on: train or valid")
      ->capture_default_str();
  command
      ->add_option("--eval-sentences,--eval-samples", options.evaluation.size,
                   "first N sentence pairs (synth-attn: samples) of the split, in corpus order; 0 = all")
      ->capture_default_str();
  command
      ->add_option("--eval-batch-tokens", options.evaluation.batch_tokens,
                   "Transformer evaluation batches of at most this many padded target tokens, sorted by length "
                   "(a longer sentence gets a batch of its own); 0 = the run's data.batch_unit and data.batch_size "
                   "(results differ only by float rounding)")
      ->capture_default_str();
  command->add_option("--out,-o", options.out,
                      "CSV file (columns ix,iy,x,y,loss,ppl,acc; sidecar OUT.json), or with --checkpoints a folder "
                      "(default: RUN/landscape.csv or RUN/landscape_series)");
  command->add_option("--checkpoints", options.checkpoints,
                      "epoch-wise series: evaluate the same directions around each checkpoint matching these "
                      "patterns, for example 'epoch_*.pt' (quoted; repeatable)");
  command->add_option("--save-directions", options.save_directions,
                      "folder to save x.pt, y.pt and directions.json in, for reuse with --x FILE --y FILE");
  command
      ->add_option("--max-points", options.max_points,
                   "compute at most this many new points, then stop with the partial results saved (0 = all)")
      ->capture_default_str();
  command->add_option("--save-interval", options.save_interval_s, "seconds between saves of the partial results")
      ->capture_default_str();
  command->add_flag("--fresh", options.fresh, "discard partial results that were computed with other arguments");
  add_common_options(*command, common);
  add_sweep_command(*command, sweep, common);

  return [arguments, sweep, command, &common]() {
    configure_threads(common.threads);
    if (command->got_subcommand("sweep")) {
      landscape::SweepOptions options = sweep->options;
      apply_direction_arguments(sweep->direction, options.directions);
      const std::unique_ptr<dist::ProcessGroup> sweep_group = dist::join_from_environment();
      options.group = sweep_group.get();
      const landscape::SweepSummary summary = landscape::run_sweep(options);
      if (sweep_group == nullptr || sweep_group->rank() == 0) std::printf("%s\n", summary.out.string().c_str());
      return 0;
    }

    landscape::LandscapeOptions options = arguments->options;
    apply_direction_arguments(arguments->direction, options.directions);
    // Under torchrun, srun or scripts/launch_local.sh the ranks split the points of every surface.
    const std::unique_ptr<dist::ProcessGroup> group = dist::join_from_environment();
    options.group = group.get();
    options.evaluation.split =
        config::parse_choice(arguments->eval_split, landscape::eval_split_names(), "--eval-split");
    const landscape::LandscapeSummary summary = landscape::run_landscape(options);
    // Rank 0 writes the files, so only rank 0 prints their paths, and a script gets them once per launch.
    // A surface that --max-points left incomplete exists only as OUT.partial and is not printed.
    if (group == nullptr || group->rank() == 0) {
      for (const auto& path : summary.surfaces) {
        if (std::filesystem::exists(path)) std::printf("%s\n", path.string().c_str());
      }
    }
    return 0;
  };
}

}  // namespace tlt::app
