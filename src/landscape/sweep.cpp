#include "tlt/landscape/sweep.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <map>
#include <sstream>

#include "tlt/data/prepared_data.h"
#include "tlt/landscape/grid.h"
#include "tlt/landscape/landscape.h"
#include "tlt/landscape/surface.h"
#include "tlt/model/parameters.h"
#include "tlt/model/transformer.h"
#include "tlt/train/run_config.h"
#include "tlt/train/trainer.h"
#include "tlt/util/error.h"
#include "tlt/util/file_io.h"
#include "tlt/util/interrupt.h"
#include "tlt/util/run_info.h"

namespace tlt::landscape {

namespace fs = std::filesystem;

namespace {

// Validation metrics of one epoch of a point's run: loss, ppl and acc as written in its valid.csv.
struct EpochMetrics {
  std::string loss;
  std::string ppl;
  std::string accuracy;
};

// Reads RUN/valid.csv (columns epoch,loss,ppl,acc,...) into one entry per epoch; empty when absent.
std::vector<EpochMetrics> read_valid_table(const fs::path& path) {
  std::vector<EpochMetrics> rows;
  if (!fs::exists(path)) return rows;
  std::istringstream in(read_file(path));
  std::string line;
  std::getline(in, line);
  if (line.rfind("epoch,loss,ppl,acc", 0) != 0) {
    throw DataError("'" + path.string() + "' has the header '" + line + "', expected epoch,loss,ppl,acc,...");
  }
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> cells;
    std::stringstream cells_in(line);
    std::string cell;
    while (std::getline(cells_in, cell, ',')) cells.push_back(cell);
    if (cells.size() < 4) throw DataError("'" + path.string() + "' has a malformed row '" + line + "'");
    rows.push_back({cells[1], cells[2], cells[3]});
  }
  return rows;
}

std::string point_name(int64_t ix, int64_t iy) { return fmt::format("x{:03d}_y{:03d}", ix, iy); }

// Rewrites OUT/sweep_epoch_EEE.csv for every epoch from the points that reached it.
void write_epoch_tables(const fs::path& out, int64_t epochs,
                        const std::map<std::pair<int64_t, int64_t>, std::pair<std::string, std::vector<EpochMetrics>>>& points) {
  for (int64_t epoch = 1; epoch <= epochs; ++epoch) {
    std::string text = std::string(kSurfaceColumns) + "\n";
    for (const auto& [key, point] : points) {
      const auto& [coordinates, metrics] = point;
      if (static_cast<int64_t>(metrics.size()) < epoch) continue;
      const EpochMetrics& row = metrics[epoch - 1];
      text += fmt::format("{},{},{},{},{},{}\n", key.first, key.second, coordinates, row.loss, row.ppl, row.accuracy);
    }
    write_file_atomic(out / fmt::format("sweep_epoch_{:03d}.csv", epoch), text);
  }
}

}  // namespace

std::vector<std::string> validate(const SweepOptions& options) {
  std::vector<std::string> violations;
  if (options.run_dir.empty()) violations.push_back("--run is missing: pass the folder of a tlt train run");
  if (!std::isfinite(options.scale) || options.scale <= 0) {
    violations.push_back("--scale " + format_value(options.scale) + " must be a finite number > 0");
  }
  if (options.epochs < 1) violations.push_back("--epochs " + std::to_string(options.epochs) + " must be >= 1");
  if (options.max_steps_per_epoch < 0) {
    violations.push_back("--max-steps-per-epoch " + std::to_string(options.max_steps_per_epoch) + " must be >= 0");
  }
  if (options.max_points < 0) violations.push_back("--max-points " + std::to_string(options.max_points) + " must be >= 0");
  if (options.directions.x == "none") violations.push_back("--x none is not valid: the x axis needs a direction");
  return violations;
}

SweepSummary run_sweep(const SweepOptions& options) {
  const std::vector<std::string> violations = validate(options);
  if (!violations.empty()) {
    std::string text;
    for (const std::string& line : violations) text += "\n  " + line;
    throw ConfigError("invalid sweep options:" + text);
  }
  Grid grid;
  grid.x = parse_axis_range(options.x_range, "--x-range");
  if (options.directions.y != "none") grid.y = parse_axis_range(options.y_range, "--y-range");
  grid.scale = options.scale;
  const fs::path run_dir(options.run_dir);
  const fs::path out = options.out.empty() ? run_dir / "sweep" : fs::path(options.out);

  // Phase 1: the run's config and a model to build the directions on.
  const fs::path config_path = run_dir / "config.yaml";
  if (is_synth_attn_study(run_dir)) {
    // NOTE: the sweep trains with train::run_training only; synth-attn studies have no trainer entry point per point.
    throw ConfigError("tlt landscape sweep supports tlt train runs only; '" + run_dir.string() +
                      "' holds a synth-attn study");
  }
  const train::RunConfig config = train::load_run_config(config_path.string(), options.overrides);
  const data::PreparedData prepared = data::prepare_data(config.data);
  model::Transformer transformer(config.model, prepared.vocab.size());
  torch::nn::Module& module = *transformer;

  // Phase 2: w0 (masked) and the directions around it.
  StateDict masks;
  if (!options.mask.empty()) {
    masks = load_state_dict(options.mask);
    space::check_masks(module, masks, "mask '" + options.mask + "'");
  }
  const fs::path center_path = resolve_in_run(run_dir, options.checkpoint);
  StateDict base = load_checkpoint_for(module, center_path);
  apply_masks(module, base, masks);
  DirectionSetup setup = options.directions;
  if (setup.target_to.empty()) setup.target_to = "best.pt";
  const SurfaceDirections directions = build_directions(module, run_dir, base, center_path, setup, masks);
  std::vector<const space::Direction*> direction_list = {&directions.x};
  if (directions.y) direction_list.push_back(&*directions.y);

  // Phase 3: the sweep's identity; a folder of another sweep is rejected.
  nlohmann::json description = {
      {"kind", "sweep"},
      {"run", run_dir.string()},
      {"checkpoint", center_path.string()},
      {"config_overrides", options.overrides},
      {"directions", {{"x", directions.x_info}, {"y", directions.y_info}}},
      {"pca", directions.pca},
      {"mask", options.mask},
      {"grid", grid.to_json()},
      {"epochs", options.epochs},
      {"max_steps_per_epoch", options.max_steps_per_epoch},
      {"columns", kSurfaceColumns},
      {"metrics", "validation loss, ppl and accuracy of each point's run after each epoch (valid.csv)"},
  };
  nlohmann::json identity = description;
  identity["base_hash"] = hash_state_dict(base);
  identity["x_hash"] = hash_state_dict(directions.x);
  identity["y_hash"] = directions.y ? hash_state_dict(*directions.y) : "";
  const std::string hash = to_hex(fnv1a_64(identity.dump()));
  const fs::path sidecar = out / "sweep.json";
  // With several ranks, rank 0 checks or writes the sidecar and the others check it afterwards.
  const int rank = options.group ? options.group->rank() : 0;
  const int world_size = options.group ? options.group->world_size() : 1;
  if (rank != 0) {
    options.group->barrier();
    const nlohmann::json existing = nlohmann::json::parse(read_file(sidecar), nullptr, /*allow_exceptions=*/false);
    if (!existing.is_object() || existing.value("arguments_hash", "") != hash) {
      throw ConfigError("rank " + std::to_string(rank) + ": '" + sidecar.string() +
                        "' does not match this rank's arguments; start every rank with the same arguments");
    }
  } else if (fs::exists(sidecar)) {
    const nlohmann::json existing = nlohmann::json::parse(read_file(sidecar), nullptr, /*allow_exceptions=*/false);
    if (!existing.is_object() || existing.value("arguments_hash", "") != hash) {
      throw ConfigError("'" + out.string() + "' contains a sweep with other arguments; rerun with the same arguments " +
                        "to continue it or choose another --out");
    }
  } else {
    description["arguments_hash"] = hash;
    description["tlt_version"] = tlt_version();
    description["git_revision"] = git_revision();
    description["environment"] = describe_environment();
    save_directions(directions, out);
    write_file_atomic(sidecar, description.dump(2) + "\n");
  }
  if (rank == 0 && options.group) options.group->barrier();

  // Phase 4: train from each point, ix outer and iy inner.
  const std::vector<double> x_values = grid.x.values();
  const std::vector<double> y_values = grid.y ? grid.y->values() : std::vector<double>{0.0};
  std::map<std::pair<int64_t, int64_t>, std::pair<std::string, std::vector<EpochMetrics>>> points;
  SweepSummary summary;
  summary.points = grid.size();
  summary.out = out;
  for (int64_t ix = 0; ix < grid.x.points; ++ix) {
    for (int64_t iy = 0; iy < static_cast<int64_t>(y_values.size()); ++iy) {
      const double a = grid.scale * x_values[ix];
      const double b = grid.scale * y_values[iy];
      const fs::path point_dir = out / "points" / point_name(ix, iy);
      const fs::path point_run = point_dir / "run";
      const std::string coordinates = format_value(a) + "," + format_value(b);
      const int64_t index = ix * static_cast<int64_t>(y_values.size()) + iy;
      if (index % world_size != rank) continue;  // another rank's point
      std::vector<EpochMetrics> metrics = read_valid_table(point_run / "valid.csv");
      if (static_cast<int64_t>(metrics.size()) < options.epochs) {
        if (options.max_points > 0 && summary.trained >= options.max_points) continue;
        throw_if_interrupted("the landscape sweep");
        spdlog::info("[landscape] sweep point {} of {}: ({}, {})", ix * static_cast<int64_t>(y_values.size()) + iy + 1,
                     summary.points, format_value(a), format_value(b));
        const fs::path init_path = point_dir / "init_from.pt";
        std::vector<double> coefficients = {a};
        if (directions.y) coefficients.push_back(b);
        save_state_dict(space::combine(module, base, direction_list, coefficients), init_path);

        train::RunConfig point_config = config;
        point_config.train.init_from = init_path.string();
        point_config.train.mask = options.mask;
        point_config.train.epochs = options.epochs;
        point_config.train.max_steps_per_epoch = options.max_steps_per_epoch;
        point_config.train.save = train::SaveMode::kLast;
        train::TrainSession session;
        session.run_dir = point_run.string();
        session.device = options.device;
        session.resume = fs::exists(point_run / "train_state.pt");
        if (!session.resume && fs::exists(point_run)) {
          // A run stopped inside its first epoch has nothing to resume; it starts again.
          fs::remove_all(point_run);
        }
        train::run_training(point_config, session);
        summary.trained += 1;
        metrics = read_valid_table(point_run / "valid.csv");
        // The run's init.pt contains the same weights; the optimizer state is only needed to resume.
        fs::remove(init_path);
        fs::remove(point_run / "train_state.pt");
      }
      if (static_cast<int64_t>(metrics.size()) >= options.epochs) summary.complete += 1;
      points[{ix, iy}] = {coordinates, metrics};
      if (rank == 0) write_epoch_tables(out, options.epochs, points);
    }
  }

  // With several ranks, rank 0 writes the tables again once every rank has finished its points.
  if (options.group) {
    options.group->barrier();
    if (rank != 0) return summary;
    summary.complete = 0;
    for (int64_t ix = 0; ix < grid.x.points; ++ix) {
      for (int64_t iy = 0; iy < static_cast<int64_t>(y_values.size()); ++iy) {
        const fs::path point_run = out / "points" / point_name(ix, iy) / "run";
        std::vector<EpochMetrics> metrics = read_valid_table(point_run / "valid.csv");
        if (static_cast<int64_t>(metrics.size()) >= options.epochs) summary.complete += 1;
        points[{ix, iy}] = {format_value(grid.scale * x_values[ix]) + "," + format_value(grid.scale * y_values[iy]),
                            metrics};
      }
    }
    write_epoch_tables(out, options.epochs, points);
  }
  spdlog::info("[landscape] sweep: {} of {} points complete, tables in {}", summary.complete, summary.points, out.string());
  return summary;
}

}  // namespace tlt::landscape
