#include "tlt/landscape/grid.h"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "tlt/util/error.h"

namespace tlt::landscape {

namespace {

[[noreturn]] void throw_malformed(const std::string& option, const std::string& text, const std::string& reason) {
  throw ConfigError("invalid " + option + " '" + text + "': " + reason +
                    "; expected MIN:MAX:POINTS with MIN < MAX and POINTS >= 2, for example -1:1:51 (or V:V:1 for "
                    "the single value V)");
}

double parse_number(const std::string& part, const std::string& option, const std::string& text) {
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(part.c_str(), &end);
  if (part.empty() || end != part.c_str() + part.size() || errno == ERANGE || !std::isfinite(value)) {
    throw_malformed(option, text, "'" + part + "' is not a finite number");
  }
  return value;
}

}  // namespace

std::vector<double> AxisRange::values() const {
  std::vector<double> result;
  if (points == 1) return {min};
  const double step = (max - min) / static_cast<double>(points - 1);
  for (int64_t i = 0; i < points; ++i) result.push_back(min + static_cast<double>(i) * step);
  result.back() = max;
  return result;
}

std::string AxisRange::to_string() const { return fmt::format("{}:{}:{}", min, max, points); }

AxisRange parse_axis_range(const std::string& text, const std::string& option) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t colon = text.find(':', start);
    parts.push_back(text.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (parts.size() != 3) throw_malformed(option, text, "it has " + std::to_string(parts.size()) + " colon-separated fields instead of 3");

  AxisRange range;
  range.min = parse_number(parts[0], option, text);
  range.max = parse_number(parts[1], option, text);
  const double points = parse_number(parts[2], option, text);
  if (points != std::floor(points) || points < 1 || points > 1e6) {
    throw_malformed(option, text, "POINTS '" + parts[2] + "' is not a whole number from 1 to 1000000");
  }
  range.points = static_cast<int64_t>(points);
  if (range.points >= 2 && !(range.min < range.max)) {
    throw_malformed(option, text, "MIN " + parts[0] + " is not less than MAX " + parts[1]);
  }
  if (range.points == 1 && range.min != range.max) {
    throw_malformed(option, text, "a single point needs MIN equal to MAX");
  }
  return range;
}

int64_t Grid::size() const { return x.points * (y ? y->points : 1); }

nlohmann::json Grid::to_json() const {
  auto axis = [](const AxisRange& range) {
    return nlohmann::json{{"min", range.min}, {"max", range.max}, {"points", range.points}};
  };
  return {{"x", axis(x)}, {"y", y ? axis(*y) : nlohmann::json(nullptr)}, {"scale", scale}};
}

}  // namespace tlt::landscape
