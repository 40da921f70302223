#include "tlt/landscape/surface.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "support/test_support.h"
#include "tlt/model/parameters.h"
#include "tlt/util/error.h"
#include "tlt/util/file_io.h"

namespace tlt::landscape {
namespace {

namespace fs = std::filesystem;
using tlt::testing::TempDir;

// A toy model whose "loss" is a known quadratic of its weights: loss = sum((w - c)^2) + sum((v - d)^2), and
// whose accuracy is 1 / (1 + loss). Weights are float64 so that the analytic surface is met to 1e-12.
class QuadraticModule : public torch::nn::Module {
 public:
  QuadraticModule() {
    w = register_parameter("w", at::tensor({1.0, -2.0, 0.5, 3.0}, at::kDouble).reshape({2, 2}));
    v = register_parameter("v", at::tensor({0.25, -0.75}, at::kDouble));
  }
  at::Tensor w, v;
};

class QuadraticModel : public SurfaceModel {
 public:
  torch::nn::Module& module() override { return module_; }
  PointMetrics evaluate() override {
    ++evaluations;
    const double loss = (module_.w - center_w).pow(2).sum().item<double>() + (module_.v - center_v).pow(2).sum().item<double>();
    if (diverge_beyond > 0 && loss > diverge_beyond) return {NAN, NAN, NAN};
    return {loss, std::exp(std::min(loss, 100.0)), 1.0 / (1.0 + loss)};
  }
  std::string model_type() const override { return "quadratic"; }
  nlohmann::json describe_evaluation_set() const override { return {{"kind", "analytic"}}; }

  QuadraticModule module_;
  at::Tensor center_w = at::tensor({0.5, 0.0, 1.0, 2.0}, at::kDouble).reshape({2, 2});
  at::Tensor center_v = at::tensor({0.0, -1.0}, at::kDouble);
  double diverge_beyond = 0;  ///< > 0: points with a larger loss return NaN
  int evaluations = 0;
};

struct QuadraticCase {
  QuadraticModel model;
  StateDict base;
  space::Direction x;
  space::Direction y;
  QuadraticCase() {
    base = model::clone_state(model::module_state(model.module_));
    x = {{"w", at::tensor({1.0, 0.0, 0.0, 1.0}, at::kDouble).reshape({2, 2})}, {"v", at::tensor({0.0, 2.0}, at::kDouble)}};
    y = {{"w", at::tensor({0.0, 1.0, -1.0, 0.0}, at::kDouble).reshape({2, 2})}, {"v", at::tensor({1.0, 0.0}, at::kDouble)}};
  }
  // The analytic loss at base + a x + b y.
  double loss_at(double a, double b) const {
    const at::Tensor w = base.at("w") + a * x.at("w") + b * y.at("w");
    const at::Tensor v = base.at("v") + a * x.at("v") + b * y.at("v");
    return (w - model.center_w).pow(2).sum().item<double>() + (v - model.center_v).pow(2).sum().item<double>();
  }
};

SurfaceRequest make_request(const fs::path& out, const std::string& x_range, const std::string& y_range) {
  SurfaceRequest request;
  request.out = out;
  request.grid.x = parse_axis_range(x_range, "--x-range");
  if (!y_range.empty()) request.grid.y = parse_axis_range(y_range, "--y-range");
  request.description = {{"model_type", "quadratic"}};
  request.save_interval_s = 0;
  return request;
}

std::vector<std::vector<std::string>> read_rows(const fs::path& path) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(read_file(path));
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, kSurfaceColumns);
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream cells_in(line);
    std::string cell;
    while (std::getline(cells_in, cell, ',')) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

TEST(Surface, QuadraticGivesAnalyticSurface) {
  TempDir dir("surface_quadratic");
  QuadraticCase setup;
  SurfaceRequest request = make_request(dir / "s.csv", "-1:1:5", "-2:2:3");
  request.grid.scale = 0.5;
  const SurfaceResult result = compute_surface(setup.model, setup.base, setup.x, &setup.y, request);

  EXPECT_TRUE(result.complete);
  EXPECT_EQ(result.computed, 15);
  const auto rows = read_rows(dir / "s.csv");
  ASSERT_EQ(rows.size(), 15u);
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 7u);
    const int64_t ix = std::stoll(row[0]);
    const int64_t iy = std::stoll(row[1]);
    const double a = 0.5 * (-1.0 + 0.5 * static_cast<double>(ix));
    const double b = 0.5 * (-2.0 + 2.0 * static_cast<double>(iy));
    EXPECT_DOUBLE_EQ(std::stod(row[2]), a);
    EXPECT_DOUBLE_EQ(std::stod(row[3]), b);
    EXPECT_NEAR(std::stod(row[4]), setup.loss_at(a, b), 1e-12) << ix << "," << iy;
    EXPECT_NEAR(std::stod(row[6]), 1.0 / (1.0 + setup.loss_at(a, b)), 1e-12);
  }
  EXPECT_EQ(rows[0][0], "0");
  EXPECT_EQ(rows[1][1], "1") << "rows are ordered by ix, then iy";
  EXPECT_TRUE(tlt::testing::tensors_equal(setup.model.module_.w, setup.base.at("w"))) << "weights restored to base";
  EXPECT_FALSE(fs::exists(dir / "s.csv.partial"));
}

TEST(Surface, CenterEqualsUnperturbedEvaluation) {
  TempDir dir("surface_center");
  QuadraticCase setup;
  const double expected = setup.model.evaluate().loss;
  compute_surface(setup.model, setup.base, setup.x, &setup.y, make_request(dir / "s.csv", "-1:1:3", "-1:1:3"));
  const auto rows = read_rows(dir / "s.csv");
  EXPECT_EQ(rows[4][0], "1");
  EXPECT_EQ(rows[4][1], "1");
  EXPECT_EQ(std::stod(rows[4][4]), expected);
}

TEST(Surface, OneDimensionalHasZeroY) {
  TempDir dir("surface_1d");
  QuadraticCase setup;
  compute_surface(setup.model, setup.base, setup.x, nullptr, make_request(dir / "s.csv", "0:1:3", ""));
  const auto rows = read_rows(dir / "s.csv");
  ASSERT_EQ(rows.size(), 3u);
  for (const auto& row : rows) {
    EXPECT_EQ(row[1], "0");
    EXPECT_EQ(row[3], "0");
    EXPECT_NEAR(std::stod(row[4]), setup.loss_at(std::stod(row[2]), 0.0), 1e-12);
  }
  const nlohmann::json sidecar = nlohmann::json::parse(read_file(dir / "s.csv.json"));
  EXPECT_TRUE(sidecar["grid"]["y"].is_null());
}

TEST(Surface, ResumedRunWritesSameBytes) {
  TempDir dir("surface_resume");
  QuadraticCase whole;
  compute_surface(whole.model, whole.base, whole.x, &whole.y, make_request(dir / "whole.csv", "-1:1:4", "-1:1:3"));

  QuadraticCase parts;
  SurfaceRequest request = make_request(dir / "parts.csv", "-1:1:4", "-1:1:3");
  request.max_points = 5;
  const SurfaceResult first = compute_surface(parts.model, parts.base, parts.x, &parts.y, request);
  EXPECT_FALSE(first.complete);
  EXPECT_EQ(first.computed, 5);
  EXPECT_FALSE(fs::exists(dir / "parts.csv"));
  ASSERT_TRUE(fs::exists(dir / "parts.csv.partial"));

  // Drop the last saved row, as if the process died between two saves.
  std::string partial = read_file(dir / "parts.csv.partial");
  partial.erase(partial.rfind('\n', partial.size() - 2) + 1);
  write_file_atomic(dir / "parts.csv.partial", partial);

  request.max_points = 0;
  parts.model.evaluations = 0;
  const SurfaceResult second = compute_surface(parts.model, parts.base, parts.x, &parts.y, request);
  EXPECT_TRUE(second.complete);
  EXPECT_EQ(second.reused, 4);
  EXPECT_EQ(second.computed, 8);
  EXPECT_EQ(parts.model.evaluations, 8);
  EXPECT_EQ(read_file(dir / "parts.csv"), read_file(dir / "whole.csv"));
  const auto whole_json = nlohmann::json::parse(read_file(dir / "whole.csv.json"));
  const auto parts_json = nlohmann::json::parse(read_file(dir / "parts.csv.json"));
  EXPECT_EQ(parts_json["arguments_hash"], whole_json["arguments_hash"]);
}

TEST(Surface, CompleteSurfaceIsSkipped) {
  TempDir dir("surface_skip");
  QuadraticCase setup;
  const SurfaceRequest request = make_request(dir / "s.csv", "-1:1:3", "");
  compute_surface(setup.model, setup.base, setup.x, nullptr, request);
  setup.model.evaluations = 0;
  const SurfaceResult again = compute_surface(setup.model, setup.base, setup.x, nullptr, request);
  EXPECT_TRUE(again.already_complete);
  EXPECT_EQ(setup.model.evaluations, 0);
}

TEST(Surface, PartialWithOtherArgumentsIsRejected) {
  TempDir dir("surface_other_arguments");
  QuadraticCase setup;
  SurfaceRequest request = make_request(dir / "s.csv", "-1:1:3", "-1:1:3");
  request.max_points = 2;
  compute_surface(setup.model, setup.base, setup.x, &setup.y, request);

  request.grid.scale = 0.2;
  request.max_points = 0;
  try {
    compute_surface(setup.model, setup.base, setup.x, &setup.y, request);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("other arguments"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--fresh"), std::string::npos) << e.what();
  }
  request.fresh = true;
  const SurfaceResult result = compute_surface(setup.model, setup.base, setup.x, &setup.y, request);
  EXPECT_EQ(result.reused, 0);
  EXPECT_EQ(result.computed, 9);
}

TEST(Surface, NonfinitePointsAreRecordedAndRunContinues) {
  TempDir dir("surface_nan");
  QuadraticCase setup;
  setup.model.diverge_beyond = 20.0;
  const SurfaceResult result =
      compute_surface(setup.model, setup.base, setup.x, &setup.y, make_request(dir / "s.csv", "-3:3:5", "-3:3:5"));
  EXPECT_TRUE(result.complete);
  EXPECT_GT(result.nonfinite, 0);
  EXPECT_LT(result.nonfinite, 25);
  int64_t nan_rows = 0;
  for (const auto& row : read_rows(dir / "s.csv")) nan_rows += row[4] == "nan" ? 1 : 0;
  EXPECT_EQ(nan_rows, result.nonfinite);
  EXPECT_EQ(nlohmann::json::parse(read_file(dir / "s.csv.json"))["nonfinite_points"], result.nonfinite);
}

TEST(Surface, GridAndDirectionsMustAgree) {
  TempDir dir("surface_mismatch");
  QuadraticCase setup;
  EXPECT_THROW(compute_surface(setup.model, setup.base, setup.x, nullptr, make_request(dir / "s.csv", "-1:1:3", "-1:1:3")),
               ConfigError);
  EXPECT_THROW(compute_surface(setup.model, setup.base, setup.x, &setup.y, make_request(dir / "s.csv", "-1:1:3", "")),
               ConfigError);
}

TEST(FormatValue, ShortestRoundTrip) {
  EXPECT_EQ(format_value(0.1), "0.1");
  EXPECT_EQ(format_value(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(std::stod(format_value(1.0 / 3.0)), 1.0 / 3.0);
  EXPECT_EQ(format_value(NAN), "nan");
  EXPECT_EQ(format_value(-INFINITY), "-inf");
}

}  // namespace
}  // namespace tlt::landscape
