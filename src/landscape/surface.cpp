#include "tlt/landscape/surface.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cmath>
#include <map>
#include <sstream>

#include "tlt/util/error.h"
#include "tlt/util/file_io.h"
#include "tlt/util/interrupt.h"
#include "tlt/util/progress.h"
#include "tlt/util/run_info.h"

namespace tlt::landscape {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;
using PointKey = std::pair<int64_t, int64_t>;  // (ix, iy)

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

fs::path with_suffix(const fs::path& path, const std::string& suffix) { return fs::path(path.string() + suffix); }

std::string hash_line(const std::string& hash) { return "# arguments_hash=" + hash; }

// Reads the rows of OUT.partial keyed by (ix, iy). Returns nothing when the file is absent or was written with
// other arguments and `fresh` allows discarding it.
std::map<PointKey, std::string> read_partial(const fs::path& path, const std::string& hash, bool fresh,
                                             const fs::path& out) {
  std::map<PointKey, std::string> rows;
  if (!fs::exists(path)) return rows;
  std::istringstream in(read_file(path));
  std::string line;
  std::getline(in, line);
  if (line != hash_line(hash)) {
    if (fresh) {
      spdlog::warn("[landscape] discarding {}: it was computed with other arguments (--fresh)", path.string());
      return rows;
    }
    const std::string saved = line.rfind("# ", 0) == 0 ? line.substr(2) : "header '" + line + "'";
    throw ConfigError("partial results '" + path.string() + "' were computed with other arguments (their " +
                      saved + ", now " + hash +
                      "; the hash covers the model, checkpoint, directions, grid, scale, mask and evaluation set, "
                      "--eval-batch-tokens included); rerun with the same arguments to continue them, pass --fresh "
                      "to discard them, or choose another --out than '" + out.string() + "'");
  }
  std::getline(in, line);
  if (line != kSurfaceColumns) {
    throw DataError("partial results '" + path.string() + "' have the header '" + line + "', expected '" +
                    kSurfaceColumns + "'; delete the file to start the surface again");
  }
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    int64_t ix = 0;
    int64_t iy = 0;
    if (std::sscanf(line.c_str(), "%" SCNd64 ",%" SCNd64 ",", &ix, &iy) != 2) {
      throw DataError("partial results '" + path.string() + "' have a malformed row '" + line +
                      "'; delete the file to start the surface again");
    }
    rows[{ix, iy}] = line;
  }
  return rows;
}

std::string table_text(const std::map<PointKey, std::string>& rows) {
  std::string text = std::string(kSurfaceColumns) + "\n";
  for (const auto& [key, row] : rows) text += row + "\n";
  return text;
}

void write_partial(const fs::path& path, const std::string& hash, const std::map<PointKey, std::string>& rows) {
  write_file_atomic(path, hash_line(hash) + "\n" + table_text(rows));
}

/// OUT.partial.rankR, the partial file of rank R in a run of several ranks.
fs::path rank_partial_path(const fs::path& out, int rank) {
  return with_suffix(out, ".partial.rank" + std::to_string(rank));
}

/// OUT.partial and every OUT.partial.rankR beside it, whatever number of ranks wrote them.
std::vector<fs::path> existing_partial_files(const fs::path& out) {
  std::vector<fs::path> files;
  const fs::path single = with_suffix(out, ".partial");
  if (fs::exists(single)) files.push_back(single);
  const fs::path folder = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  const std::string prefix = out.filename().string() + ".partial.rank";
  if (!fs::is_directory(folder)) return files;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0 &&
        name.find_first_not_of("0123456789", prefix.size()) == std::string::npos) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

/// Sums the metrics that each rank computed in this call over all ranks, and adds the rows of the other
/// ranks to `rows`. `computed` maps a point's linear index to its loss, ppl and accuracy.
void gather_rows(dist::ProcessGroup& group, const Grid& grid, const std::vector<double>& x_values,
                 const std::vector<double>& y_values, const std::map<int64_t, PointMetrics>& computed,
                 std::map<PointKey, std::string>& rows) {
  const int64_t n_y = static_cast<int64_t>(y_values.size());
  at::Tensor values = at::zeros({grid.size(), 4}, at::kDouble);  // loss, ppl, acc, 1 where computed
  auto cells = values.accessor<double, 2>();
  for (const auto& [index, metrics] : computed) {
    cells[index][0] = metrics.loss;
    cells[index][1] = metrics.ppl;
    cells[index][2] = metrics.accuracy;
    cells[index][3] = 1.0;
  }
  group.all_reduce_sum(values);
  for (int64_t index = 0; index < grid.size(); ++index) {
    if (cells[index][3] == 0.0) continue;
    const int64_t ix = index / n_y;
    const int64_t iy = index % n_y;
    rows[{ix, iy}] = fmt::format("{},{},{},{},{},{},{}", ix, iy, format_value(grid.scale * x_values[ix]),
                                 format_value(grid.scale * y_values[iy]), format_value(cells[index][0]),
                                 format_value(cells[index][1]), format_value(cells[index][2]));
  }
}

// Returns true when OUT and OUT.json hold a complete surface with this hash.
bool is_complete(const fs::path& out, const std::string& hash, int64_t points) {
  const fs::path sidecar = with_suffix(out, ".json");
  if (!fs::exists(out) || !fs::exists(sidecar)) return false;
  try {
    const nlohmann::json json = nlohmann::json::parse(read_file(sidecar));
    return json.value("arguments_hash", "") == hash && json.value("points", int64_t{-1}) == points;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

int64_t count_nonfinite(const std::map<PointKey, std::string>& rows) {
  int64_t count = 0;
  for (const auto& [key, row] : rows) {
    // The loss is the fifth column.
    size_t start = 0;
    for (int i = 0; i < 4; ++i) start = row.find(',', start) + 1;
    const std::string loss = row.substr(start, row.find(',', start) - start);
    if (loss == "nan" || loss == "inf" || loss == "-inf") ++count;
  }
  return count;
}

}  // namespace

std::string format_value(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return fmt::format("{}", value);
}

std::string hash_state_dict(const StateDict& state) {
  uint64_t hash = fnv1a_64("");
  for (const auto& [name, tensor] : state) {
    const at::Tensor values = tensor.detach().to(at::kCPU).contiguous();
    hash = fnv1a_64(name + ":" + std::string(c10::toString(values.scalar_type())) + ":" +
                        fmt::format("{}", fmt::join(values.sizes(), "x")),
                    hash);
    hash = fnv1a_64(std::string_view(static_cast<const char*>(values.data_ptr()), values.nbytes()), hash);
  }
  return to_hex(hash);
}

SurfaceResult compute_surface(SurfaceModel& model, const StateDict& base, const space::Direction& x,
                              const space::Direction* y, const SurfaceRequest& request) {
  const Grid& grid = request.grid;
  if (grid.y.has_value() != (y != nullptr)) {
    throw ConfigError(grid.y ? "a 2-D grid needs a y direction; pass --y or drop --y-range"
                             : "a y direction needs a y range (--y-range), or pass --y none for a 1-D surface");
  }

  // Phase 1: the arguments hash, which identifies partial and complete results.
  nlohmann::json identity = request.description;
  identity["grid"] = grid.to_json();
  identity["base_hash"] = hash_state_dict(base);
  identity["x_hash"] = hash_state_dict(x);
  identity["y_hash"] = y ? hash_state_dict(*y) : "";
  SurfaceResult result;
  result.arguments_hash = to_hex(fnv1a_64(identity.dump()));
  result.points = grid.size();
  dist::ProcessGroup* group = request.group;
  const int rank = group ? group->rank() : 0;
  const int world_size = group ? group->world_size() : 1;
  const fs::path partial_path =
      world_size > 1 ? rank_partial_path(request.out, rank) : with_suffix(request.out, ".partial");
  if (is_complete(request.out, result.arguments_hash, result.points)) {
    spdlog::info("[landscape] {} is complete with the same arguments; nothing to compute", request.out.string());
    result.complete = true;
    result.already_complete = true;
    return result;
  }
  std::map<PointKey, std::string> rows;
  for (const fs::path& path : existing_partial_files(request.out)) {
    for (auto& [key, row] : read_partial(path, result.arguments_hash, request.fresh, request.out)) rows[key] = row;
  }
  // Every rank must split the same set of missing points, so none writes a partial file before all have read.
  if (group) group->barrier();
  result.reused = static_cast<int64_t>(rows.size());
  if (result.reused > 0) {
    spdlog::info("[landscape] resuming {}: {} of {} points done", request.out.string(), result.reused, result.points);
  }

  // Phase 2: evaluate the missing points, ix outer and iy inner, saving partial results now and then.
  const std::vector<double> x_values = grid.x.values();
  const std::vector<double> y_values = grid.y ? grid.y->values() : std::vector<double>{0.0};
  std::vector<const space::Direction*> directions = {&x};
  if (y) directions.push_back(y);
  const int64_t missing = result.points - result.reused;
  Progress progress("landscape", "point", (missing + world_size - 1 - rank) / world_size, request.log_interval_s);
  std::map<int64_t, PointMetrics> computed;  // this call's points by linear index, for the ranks' gather
  int64_t missing_seen = 0;
  const auto loop_start = Clock::now();
  auto last_save = Clock::now();
  double evaluate_s = 0;
  double set_weights_s = 0;
  bool stopped_early = false;
  for (int64_t ix = 0; ix < grid.x.points && !stopped_early; ++ix) {
    for (int64_t iy = 0; iy < static_cast<int64_t>(y_values.size()); ++iy) {
      if (rows.count({ix, iy})) continue;
      if (missing_seen++ % world_size != rank) continue;  // another rank's point
      if (request.max_points > 0 && result.computed >= request.max_points) {
        stopped_early = true;
        break;
      }
      const double a = grid.scale * x_values[ix];
      const double b = grid.scale * y_values[iy];
      std::vector<double> coefficients = {a};
      if (y) coefficients.push_back(b);

      const auto set_start = Clock::now();
      space::set_weights(model.module(), base, directions, coefficients);
      set_weights_s += seconds_since(set_start);
      const auto evaluate_start = Clock::now();
      const PointMetrics metrics = model.evaluate();
      evaluate_s += seconds_since(evaluate_start);

      rows[{ix, iy}] = fmt::format("{},{},{},{},{},{},{}", ix, iy, format_value(a), format_value(b),
                                   format_value(metrics.loss), format_value(metrics.ppl), format_value(metrics.accuracy));
      result.computed += 1;
      computed[ix * static_cast<int64_t>(y_values.size()) + iy] = metrics;
      spdlog::debug("[landscape] point ({}, {}) at ({}, {}): loss {:.6f} acc {:.4f}", ix, iy, a, b, metrics.loss,
                    metrics.accuracy);
      const double elapsed = seconds_since(loop_start);
      progress.update(result.computed,
                      fmt::format("loss {:.4f} | {:.2f} points/s", metrics.loss,
                                  static_cast<double>(result.computed) / std::max(elapsed, 1e-9)));

      if (interrupt_requested()) {
        write_partial(partial_path, result.arguments_hash, rows);
        progress.finish();
        // With several ranks, `rows` holds the points loaded at the start and those that this rank computed.
        const std::string counted = std::to_string(rows.size()) + " of " + std::to_string(result.points) + " points";
        const std::string saved = world_size > 1 ? "rank " + std::to_string(rank) + " saved the " + counted + " it has"
                                                 : counted + " saved";
        throw Interrupted("landscape interrupted: " + saved + " to '" + partial_path.string() +
                          "'; rerun the same command to continue");
      }
      if (seconds_since(last_save) >= request.save_interval_s) {
        write_partial(partial_path, result.arguments_hash, rows);
        last_save = Clock::now();
      }
    }
  }
  progress.finish();
  space::set_weights(model.module(), base, {}, {});
  result.wall_s = seconds_since(loop_start);
  if (result.computed > 0) {
    const double count = static_cast<double>(result.computed);
    result.evaluate_s_per_point = evaluate_s / count;
    result.set_weights_s_per_point = set_weights_s / count;
    result.overhead_s_per_point = (result.wall_s - evaluate_s) / count;
  }
  if (group) gather_rows(*group, grid, x_values, y_values, computed, rows);
  result.nonfinite = count_nonfinite(rows);

  if (static_cast<int64_t>(rows.size()) < result.points) {
    write_partial(partial_path, result.arguments_hash, rows);
    spdlog::info("[landscape] stopped after {} new points (--max-points); {} of {} saved in {}", result.computed,
                 rows.size(), result.points, partial_path.string());
    return result;
  }

  // Phase 3: the complete table and its sidecar, written by rank 0; the partial files go last.
  result.complete = true;
  if (rank != 0) {
    group->barrier();  // returns once rank 0 has written OUT
    return result;
  }
  nlohmann::json sidecar = request.description;
  sidecar["grid"] = grid.to_json();
  sidecar["columns"] = kSurfaceColumns;
  sidecar["coordinates"] = "x and y are the coefficients applied to the x and y directions: scale * axis value";
  sidecar["points"] = result.points;
  sidecar["nonfinite_points"] = result.nonfinite;
  sidecar["arguments_hash"] = result.arguments_hash;
  sidecar["tlt_version"] = tlt_version();
  sidecar["git_revision"] = git_revision();
  sidecar["environment"] = describe_environment();
  sidecar["ranks"] = world_size;
  const int64_t computed_by_all = result.points - result.reused;  // by every rank in this call
  sidecar["timing"] = {{"computed_points", computed_by_all},
                       {"reused_points", result.reused},
                       {"wall_s", result.wall_s},
                       {"points_per_s", computed_by_all > 0 ? static_cast<double>(computed_by_all) / result.wall_s : 0.0},
                       {"evaluate_s_per_point", result.evaluate_s_per_point},
                       {"set_weights_s_per_point", result.set_weights_s_per_point},
                       {"overhead_s_per_point", result.overhead_s_per_point}};
  write_file_atomic(request.out, table_text(rows));
  write_file_atomic(with_suffix(request.out, ".json"), sidecar.dump(2) + "\n");
  std::error_code ignored;
  for (const fs::path& path : existing_partial_files(request.out)) fs::remove(path, ignored);
  if (group) group->barrier();
  if (result.nonfinite > 0) {
    spdlog::warn("[landscape] {} of {} points have a NaN or infinite loss (written as nan/inf)", result.nonfinite,
                 result.points);
  }
  spdlog::info("[landscape] wrote {} ({} points, {:.2f} points/s, {:.1f} ms per point outside the forward passes)",
               request.out.string(), result.points,
               computed_by_all > 0 ? static_cast<double>(computed_by_all) / result.wall_s : 0.0,
               1000.0 * result.overhead_s_per_point);
  return result;
}

}  // namespace tlt::landscape
