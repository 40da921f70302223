// Evaluating a SurfaceModel on a grid around base weights along one or two directions, with restartable
// CSV output.
//
// Files, for an output path OUT (for example runs/base/landscape.csv):
//
//   OUT          one row per grid point, columns ix,iy,x,y,loss,ppl,acc, ordered by ix then iy. ix and iy
//                are the 0-based grid indices; x and y are the coefficients actually applied to the x and y
//                directions, that is scale times the axis value (a 1-D surface has iy 0 and y 0). loss is
//                the mean plain cross-entropy, ppl exp(min(loss, 100)) and acc the token (or sample)
//                accuracy. Numbers are written in the shortest form that reads back to the same double;
//                a diverged point is written as nan or inf and the run goes on.
//   OUT.json     the sidecar: model, checkpoint, directions, grid, scale, evaluation set, versions,
//                the arguments hash and the timing of the run that completed the file.
//   OUT.partial  while a surface is incomplete: the completed rows after a first line
//                "# arguments_hash=HEX", rewritten atomically every save_interval_s and on interruption.
//                In a run of several ranks each rank writes its own OUT.partial.rankR instead.
//
// Several ranks (a dist::ProcessGroup in the request) split the missing points round-robin, so each gets
// a similar share. Rank 0 writes OUT and OUT.json from the values that all ranks computed. They are the
// same bytes as one process writes when every process uses the same number of threads.
//
// Restart: a rerun with the same arguments (same hash) reads OUT.partial and every OUT.partial.rankR,
// whatever the number of ranks that wrote them, and computes only the missing points, and skips the surface entirely when OUT and OUT.json already hold it complete. Rows are stored
// as text, so a resumed surface writes the same bytes as an uninterrupted one.
#pragma once

#include <cstdint>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "tlt/dist/process_group.h"
#include "tlt/landscape/grid.h"
#include "tlt/landscape/surface_model.h"
#include "tlt/space/direction.h"
#include "tlt/util/state_dict.h"

namespace tlt::landscape {

/// The CSV header of every surface and sweep table.
inline constexpr const char* kSurfaceColumns = "ix,iy,x,y,loss,ppl,acc";

struct SurfaceRequest {
  std::filesystem::path out;    ///< the CSV path; the sidecar is OUT.json and the partial file OUT.partial
  Grid grid;                    ///< axis values and scale
  nlohmann::json description;   ///< model, checkpoint, directions and so on: copied into the sidecar and hashed
  int64_t max_points = 0;       ///< 0 computes every missing point; N stops after N new points (partial saved)
  double save_interval_s = 10;  ///< seconds between rewrites of OUT.partial
  double log_interval_s = 30;   ///< seconds between progress lines when stderr is not a terminal
  bool fresh = false;           ///< discard an OUT.partial written with other arguments instead of failing
  dist::ProcessGroup* group = nullptr;  ///< ranks that share the points; null = this process computes all
};

/// What a call computed, and how fast.
struct SurfaceResult {
  bool complete = false;              ///< OUT and OUT.json hold every point
  bool already_complete = false;      ///< nothing was computed: OUT was complete with the same arguments
  int64_t points = 0;                 ///< grid points in total
  int64_t computed = 0;               ///< points evaluated in this call (by this rank)
  int64_t reused = 0;                 ///< points taken from OUT.partial
  int64_t nonfinite = 0;              ///< points (of all) with a NaN or infinite loss
  double wall_s = 0;                  ///< seconds spent in the point loop of this call
  double evaluate_s_per_point = 0;    ///< mean seconds in SurfaceModel::evaluate (the forward passes)
  double set_weights_s_per_point = 0; ///< mean seconds in space::set_weights
  double overhead_s_per_point = 0;    ///< mean seconds per point outside evaluate (set_weights and bookkeeping)
  std::string arguments_hash;         ///< 16 hexadecimal digits
};

/// Evaluates `model` at base + a * x + b * y for every grid point (a, b) = scale * (axis values), writing
/// the files above. `base` holds the unique parameters under their first names (model::module_state works);
/// `y` is null for a 1-D grid, which must then have no y axis. The module's parameters are overwritten in
/// place and are left at base when the call returns normally. The arguments hash covers `description`,
/// the grid and the values of base, x and y.
///
/// Throws ConfigError when OUT.partial was written with other arguments (unless request.fresh) or when
/// the grid and `y` disagree, DataError when a file cannot be written or OUT.partial is damaged, and
/// tlt::Interrupted after SIGINT or SIGTERM once the completed points are saved to OUT.partial.
SurfaceResult compute_surface(SurfaceModel& model, const StateDict& base, const space::Direction& x,
                              const space::Direction* y, const SurfaceRequest& request);

/// fnv1a_64 over the names, shapes, dtypes and bytes of every tensor of `state`, as 16 hexadecimal digits.
std::string hash_state_dict(const StateDict& state);

/// Formats a value in the shortest form that reads back to the same double; "nan", "inf" or "-inf" otherwise.
std::string format_value(double value);

}  // namespace tlt::landscape
