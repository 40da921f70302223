#include "tlt/landscape/landscape.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include <cmath>

#include "tlt/landscape/grid.h"
#include "tlt/landscape/surface.h"
#include "tlt/landscape/synth_surface_model.h"
#include "tlt/landscape/transformer_surface_model.h"
#include "tlt/model/parameters.h"
#include "tlt/synth/study_config.h"
#include "tlt/train/run_config.h"
#include "tlt/util/error.h"
#include "tlt/util/file_io.h"

namespace tlt::landscape {

namespace fs = std::filesystem;

namespace {

std::string join_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += "\n  " + line;
  return text;
}

// Builds the grid of the options; it has no y axis for --y none.
Grid make_grid(const LandscapeOptions& options) {
  Grid grid;
  grid.x = parse_axis_range(options.x_range, "--x-range");
  if (options.directions.y != "none") grid.y = parse_axis_range(options.y_range, "--y-range");
  grid.scale = options.scale;
  return grid;
}

// Loads a checkpoint as the base of a surface: checked against the module, masked, and reduced to one entry per
// tensor (tied aliases dropped), so that only one copy of the weights stays in memory besides the module.
StateDict load_base(const torch::nn::Module& module, const fs::path& path, const StateDict& masks) {
  StateDict base = load_checkpoint_for(module, path);
  apply_masks(module, base, masks);
  for (const auto& parameter : model::unique_parameters(module)) {
    for (size_t i = 1; i < parameter.names.size(); ++i) base.erase(parameter.names[i]);
  }
  return base;
}

StateDict load_masks(const torch::nn::Module& module, const std::string& path) {
  if (path.empty()) return {};
  StateDict masks = load_state_dict(path);
  space::check_masks(module, masks, "mask '" + path + "'");
  return masks;
}

nlohmann::json describe_mask(const std::string& path, const StateDict& masks) {
  if (path.empty()) return nullptr;
  double total = 0;
  double kept = 0;
  for (const auto& [name, mask] : masks) {
    total += static_cast<double>(mask.numel());
    kept += mask.to(at::kDouble).sum().item<double>();
  }
  return {{"file", path}, {"masked_tensors", masks.size()}, {"sparsity", total > 0 ? 1.0 - kept / total : 0.0}};
}

std::string series_name(size_t index) { return fmt::format("surface_{:03d}.csv", index); }

}  // namespace

std::vector<std::string> validate(const LandscapeOptions& options) {
  std::vector<std::string> violations;
  if (options.run_dir.empty()) violations.push_back("--run is missing: pass the folder of a tlt train run or synth-attn study");
  if (!std::isfinite(options.scale) || options.scale <= 0) {
    violations.push_back("--scale " + format_value(options.scale) + " must be a finite number > 0 (1.0 global view, 0.2 local)");
  }
  if (options.evaluation.size < 0) {
    violations.push_back("--eval-sentences " + std::to_string(options.evaluation.size) + " must be >= 0 (0 = the whole split)");
  }
  if (options.evaluation.batch_tokens < 0) {
    violations.push_back("--eval-batch-tokens " + std::to_string(options.evaluation.batch_tokens) +
                         " must be >= 0 (0 = the run's data.batch_unit and data.batch_size)");
  }
  if (options.max_points < 0) violations.push_back("--max-points " + std::to_string(options.max_points) + " must be >= 0");
  if (!(options.save_interval_s >= 0)) {
    violations.push_back("--save-interval " + format_value(options.save_interval_s) + " must be >= 0 seconds");
  }
  if (options.directions.x == "none") violations.push_back("--x none is not valid: the x axis needs a direction");
  return violations;
}

bool is_synth_attn_study(const fs::path& run_dir) {
  const fs::path config_path = run_dir / "config.yaml";
  if (!fs::exists(config_path)) {
    throw ConfigError("run folder '" + run_dir.string() + "' has no config.yaml; pass --run with the folder of a " +
                      "tlt train run or a tlt synth-attn study");
  }
  try {
    return YAML::LoadFile(config_path.string())["task"].IsDefined();
  } catch (const YAML::Exception& e) {
    throw ConfigError("cannot read '" + config_path.string() + "': " + e.what());
  }
}

std::unique_ptr<SurfaceModel> open_run_model(const fs::path& run_dir, const std::vector<std::string>& overrides,
                                             const EvaluationSetOptions& evaluation) {
  const fs::path config_path = run_dir / "config.yaml";
  if (is_synth_attn_study(run_dir)) {
    const synth::SynthAttnConfig config = synth::load_synth_attn_config(config_path.string(), overrides);
    return SynthSurfaceModel::from_config(config, evaluation);
  }
  const train::RunConfig config = train::load_run_config(config_path.string(), overrides);
  return TransformerSurfaceModel::from_config(config, evaluation);
}

LandscapeSummary run_landscape(const LandscapeOptions& options) {
  const std::vector<std::string> violations = validate(options);
  if (!violations.empty()) throw ConfigError("invalid landscape options:" + join_lines(violations));
  const Grid grid = make_grid(options);
  const fs::path run_dir(options.run_dir);

  // Phase 1: model, evaluation set, mask and centre weights.
  std::unique_ptr<SurfaceModel> surface_model = open_run_model(run_dir, options.overrides, options.evaluation);
  torch::nn::Module& module = surface_model->module();
  const StateDict masks = load_masks(module, options.mask);
  const fs::path center_path = resolve_in_run(run_dir, options.checkpoint);
  const StateDict center = load_base(module, center_path, masks);
  spdlog::info("[landscape] {} with {} parameters, centre {}, evaluation set {}", surface_model->model_type(),
               model::count_parameters(module), center_path.string(), surface_model->describe_evaluation_set().dump());

  // Phase 2: directions, normalised against the centre.
  const SurfaceDirections directions =
      build_directions(module, run_dir, center, center_path, options.directions, masks);
  spdlog::info("[landscape] x direction {} (norm {:.4g}), y direction {}", directions.x_info.value("kind", ""),
               directions.x_info.value("norm", 0.0),
               directions.y ? directions.y_info.value("kind", "") + fmt::format(" (norm {:.4g})", directions.y_info.value("norm", 0.0))
                            : std::string("none"));
  const bool is_rank0 = options.group == nullptr || options.group->rank() == 0;
  if (!options.save_directions.empty() && is_rank0) save_directions(directions, options.save_directions);
  const space::Direction* y = directions.y ? &*directions.y : nullptr;

  nlohmann::json description = {
      {"model_type", surface_model->model_type()},
      {"run", run_dir.string()},
      {"config_overrides", options.overrides},
      {"directions", {{"x", directions.x_info}, {"y", directions.y_info}}},
      {"pca", directions.pca},
      {"mask", describe_mask(options.mask, masks)},
      {"evaluation_set", surface_model->describe_evaluation_set()},
  };
  SurfaceRequest request;
  request.grid = grid;
  request.save_interval_s = options.save_interval_s;
  request.log_interval_s = options.log_interval_s;
  request.fresh = options.fresh;
  request.max_points = options.max_points;
  request.group = options.group;
  LandscapeSummary summary;

  // Phase 3a: one surface around the centre.
  if (options.checkpoints.empty()) {
    request.out = options.out.empty() ? run_dir / "landscape.csv" : fs::path(options.out);
    request.description = description;
    request.description["checkpoint"] = center_path.string();
    const SurfaceResult result = compute_surface(*surface_model, center, directions.x, y, request);
    summary.surfaces.push_back(request.out);
    summary.complete = result.complete;
    return summary;
  }

  // Phase 3b: an epoch-wise series with the same directions around each checkpoint.
  const fs::path folder = options.out.empty() ? run_dir / "landscape_series" : fs::path(options.out);
  const std::vector<fs::path> checkpoints = expand_checkpoint_patterns(run_dir, options.checkpoints, "--checkpoints");
  if (is_rank0) {
    save_directions(directions, folder);
    std::string index = "index,checkpoint,csv\n";
    for (size_t i = 0; i < checkpoints.size(); ++i) {
      index += fmt::format("{},{},{}\n", i, checkpoints[i].string(), series_name(i));
    }
    write_file_atomic(folder / "index.csv", index);
  }
  description["directions_center"] = center_path.string();
  int64_t budget = options.max_points;
  for (size_t i = 0; i < checkpoints.size(); ++i) {
    spdlog::info("[landscape] series surface {} of {}: {}", i + 1, checkpoints.size(), checkpoints[i].string());
    const StateDict base = load_base(module, checkpoints[i], masks);
    request.out = folder / series_name(i);
    request.description = description;
    request.description["checkpoint"] = checkpoints[i].string();
    request.description["series_index"] = i;
    request.max_points = budget;
    const SurfaceResult result = compute_surface(*surface_model, base, directions.x, y, request);
    summary.surfaces.push_back(request.out);
    if (!result.complete) {
      summary.complete = false;
      break;
    }
    if (options.max_points > 0) budget = std::max<int64_t>(budget - result.computed, 0);
    if (options.max_points > 0 && budget == 0 && i + 1 < checkpoints.size()) {
      summary.complete = false;
      spdlog::info("[landscape] stopped after {} new points (--max-points); rerun to continue", options.max_points);
      break;
    }
  }
  return summary;
}

}  // namespace tlt::landscape
