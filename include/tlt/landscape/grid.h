// Grids of direction coefficients for loss surfaces: one axis ("-1:1:51") or two.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tlt::landscape {

/// Evenly spaced values from `min` to `max`, both included, like numpy.linspace(min, max, points).
struct AxisRange {
  double min = -1.0;
  double max = 1.0;
  int64_t points = 51;

  /// The values, computed as numpy.linspace does: min + i * (max - min) / (points - 1), with the last
  /// value set to `max` exactly. A single point is `min`.
  std::vector<double> values() const;

  /// "MIN:MAX:POINTS", which parse_axis_range reads back.
  std::string to_string() const;
};

/// Parses "MIN:MAX:POINTS" (for example "-1:1:51"). POINTS must be a whole number >= 1; with 2 or more
/// points MIN must be less than MAX, and with 1 point MIN must equal MAX. Throws ConfigError naming
/// `option` (for example "--x-range"), the text and the expected form.
AxisRange parse_axis_range(const std::string& text, const std::string& option);

/// A 1-D grid (no y axis) or a 2-D grid. The coefficients used for a point are scale * the axis values.
struct Grid {
  AxisRange x;
  std::optional<AxisRange> y;  ///< empty for a 1-D surface
  double scale = 1.0;          ///< multiplies every axis value (the study uses 1.0 globally, 0.2 locally)

  /// Points on the grid: x.points, times y.points for a 2-D grid.
  int64_t size() const;

  /// {"x": {"min", "max", "points"}, "y": ... or null, "scale"}.
  nlohmann::json to_json() const;
};

}  // namespace tlt::landscape
