#include "tlt/landscape/direction_setup.h"

#include <ATen/ATen.h>
#include <fnmatch.h>
#include <spdlog/spdlog.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <algorithm>

#include "tlt/model/parameters.h"
#include "tlt/space/pca_direction.h"
#include "tlt/util/error.h"
#include "tlt/util/file_io.h"

namespace tlt::landscape {

namespace fs = std::filesystem;

namespace {

// Builds one non-PCA axis; `axis` is "x" or "y" and `seed` the seed of a random draw on it.
space::Direction build_axis(const torch::nn::Module& module, const fs::path& run_dir, const StateDict& center,
                            const fs::path& center_path, const DirectionSetup& setup, const StateDict& masks,
                            const std::string& spec, const std::string& axis, uint64_t seed, nlohmann::json& info) {
  if (spec == "random") {
    space::DirectionOptions options = setup.random;
    options.seed = seed;
    info = {{"kind", "random"},
            {"seed", seed},
            {"normalization", space::normalization_name(options.normalization)},
            {"ignore_1d", options.ignore_1d},
            {"normalized_against", center_path.string()}};
    return space::random_direction(module, center, options, masks);
  }
  if (spec == "target") {
    const fs::path from_path = resolve_in_run(run_dir, setup.target_from);
    const StateDict from = load_checkpoint_for(module, from_path);
    fs::path to_path = center_path;
    StateDict to_loaded;
    if (!setup.target_to.empty()) {
      to_path = resolve_in_run(run_dir, setup.target_to);
      to_loaded = load_checkpoint_for(module, to_path);
    }
    info = {{"kind", "target"}, {"from", from_path.string()}, {"to", to_path.string()}};
    return space::target_direction(module, from, setup.target_to.empty() ? center : to_loaded, masks);
  }

  // Anything else names a direction file.
  const fs::path path(spec);
  if (!fs::exists(path)) {
    throw ConfigError("--" + axis + " '" + spec + "' is neither random, target, pca" +
                      (axis == "y" ? ", none" : "") + " nor an existing direction file");
  }
  space::Direction direction = load_state_dict(path);
  space::check_direction(module, direction, "direction file '" + spec + "'");
  apply_masks(module, direction, masks);
  info = {{"kind", "file"}, {"file", path.string()}};
  return direction;
}

}  // namespace

fs::path resolve_in_run(const fs::path& run_dir, const std::string& path) {
  const fs::path candidate(path);
  return candidate.has_parent_path() ? candidate : run_dir / candidate;
}

std::vector<fs::path> expand_checkpoint_patterns(const fs::path& run_dir, const std::vector<std::string>& patterns,
                                                 const std::string& option) {
  std::vector<fs::path> result;
  for (const std::string& pattern : patterns) {
    const fs::path full = resolve_in_run(run_dir, pattern);
    const fs::path folder = full.parent_path();
    const std::string name_pattern = full.filename().string();
    std::vector<fs::path> matches;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(folder, error)) {
      if (!entry.is_regular_file()) continue;
      if (::fnmatch(name_pattern.c_str(), entry.path().filename().c_str(), 0) == 0) matches.push_back(entry.path());
    }
    if (matches.empty()) {
      throw ConfigError(option + " '" + pattern + "' matches no file in '" + folder.string() +
                        "'; check the pattern (quote it so that the shell does not expand it) and that the run "
                        "saved these checkpoints (train.save: all)");
    }
    std::sort(matches.begin(), matches.end());
    result.insert(result.end(), matches.begin(), matches.end());
  }
  return result;
}

StateDict load_checkpoint_for(const torch::nn::Module& module, const fs::path& path) {
  StateDict state = load_state_dict(path);
  check_state_dict_matches(state, model::module_state(module), "checkpoint '" + path.string() + "'");
  return state;
}

void apply_masks(const torch::nn::Module& module, StateDict& state, const StateDict& masks) {
  if (masks.empty()) return;
  torch::NoGradGuard no_grad;
  for (const auto& parameter : model::unique_parameters(module)) {
    const at::Tensor mask = space::find_mask(masks, parameter.names);
    if (!mask.defined()) continue;
    for (const std::string& name : parameter.names) {
      auto found = state.find(name);
      if (found != state.end()) found->second = found->second * mask.to(found->second.device(), found->second.scalar_type());
    }
  }
}

SurfaceDirections build_directions(const torch::nn::Module& module, const fs::path& run_dir, const StateDict& center,
                                   const fs::path& center_path, const DirectionSetup& setup, const StateDict& masks) {
  if (setup.x == "none") {
    throw ConfigError("--x none is not valid: a surface needs an x direction (random, target, pca or a FILE)");
  }
  SurfaceDirections result;

  // PCA first, because one decomposition serves both axes.
  std::optional<space::PcaResult> pca;
  if (setup.x == "pca" || setup.y == "pca") {
    const std::vector<fs::path> paths = expand_checkpoint_patterns(run_dir, setup.pca_checkpoints, "--pca-checkpoints");
    spdlog::info("[landscape] PCA of {} checkpoints against {}", paths.size(), center_path.string());
    pca = space::pca_directions(module, paths, center, setup.random.ignore_1d, masks);
    nlohmann::json trajectory = nlohmann::json::array();
    for (size_t i = 0; i < paths.size(); ++i) {
      trajectory.push_back({{"checkpoint", paths[i].string()},
                            {"x", pca->projections[i][0]},
                            {"y", pca->projections[i][1]}});
    }
    result.pca = {{"checkpoints", paths.size()},
                  {"final", center_path.string()},
                  {"explained_variance_ratio", {pca->explained_variance_ratio[0], pca->explained_variance_ratio[1]}},
                  {"ignore_1d", setup.random.ignore_1d},
                  {"trajectory_note", "coordinates of checkpoint - final along the first and second components"},
                  {"trajectory", trajectory}};
    spdlog::info("[landscape] PCA explained variance: {:.4f} (first), {:.4f} (second)",
                 pca->explained_variance_ratio[0], pca->explained_variance_ratio[1]);
  }

  if (setup.x == "pca") {
    result.x = pca->x;
    result.x_info = {{"kind", "pca"}, {"component", 1}, {"explained_variance_ratio", pca->explained_variance_ratio[0]}};
  } else {
    result.x = build_axis(module, run_dir, center, center_path, setup, masks, setup.x, "x", setup.random.seed,
                          result.x_info);
  }
  if (setup.y == "none") {
    result.y_info = nullptr;
  } else if (setup.y == "pca") {
    result.y = pca->y;
    result.y_info = {{"kind", "pca"}, {"component", 2}, {"explained_variance_ratio", pca->explained_variance_ratio[1]}};
  } else {
    result.y = build_axis(module, run_dir, center, center_path, setup, masks, setup.y, "y", setup.random.seed + 1,
                          result.y_info);
  }

  result.x_info["norm"] = space::direction_norm(result.x);
  if (result.y) result.y_info["norm"] = space::direction_norm(*result.y);
  return result;
}

void save_directions(const SurfaceDirections& directions, const fs::path& folder) {
  save_state_dict(directions.x, folder / "x.pt");
  if (directions.y) save_state_dict(*directions.y, folder / "y.pt");
  const nlohmann::json info = {{"x", directions.x_info}, {"y", directions.y_info}, {"pca", directions.pca}};
  write_file_atomic(folder / "directions.json", info.dump(2) + "\n");
  spdlog::info("[landscape] directions saved to {}", folder.string());
}

}  // namespace tlt::landscape
