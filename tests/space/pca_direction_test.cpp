#include "tlt/space/pca_direction.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "space/space_test_support.h"
#include "support/test_support.h"
#include "tlt/model/parameters.h"
#include "tlt/util/error.h"
#include "tlt/util/state_dict.h"

namespace tlt::space {
namespace {

using space::testing::entries_with_prefix;
using space::testing::ToyModel;
using tlt::testing::tensors_close;

const StateDict& reference() {
  static const StateDict values =
      load_state_dict(tlt::testing::source_dir() / "tests" / "data" / "space" / "directions.pt");
  return values;
}

std::vector<StateDict> reference_checkpoints() {
  std::vector<StateDict> checkpoints;
  for (int i = 0; i < 5; ++i) checkpoints.push_back(entries_with_prefix(reference(), "pca_checkpoint_" + std::to_string(i)));
  return checkpoints;
}

TEST(PcaDirections, MatchesPytorchReference) {
  ToyModel toy;
  const PcaResult result =
      pca_directions(toy, reference_checkpoints(), {}, entries_with_prefix(reference(), "pca_final"), true);

  const at::Tensor ratio = reference().at("pca_ratio");
  EXPECT_NEAR(result.explained_variance_ratio[0], ratio[0].item<double>(), 1e-6);
  EXPECT_NEAR(result.explained_variance_ratio[1], ratio[1].item<double>(), 1e-6);
  for (const auto& [prefix, direction] : {std::pair{"pca_x", &result.x}, std::pair{"pca_y", &result.y}}) {
    const StateDict expected = entries_with_prefix(reference(), prefix);
    ASSERT_EQ(direction->size(), expected.size());
    for (const auto& [name, tensor] : expected) {
      EXPECT_TRUE(tensors_close(direction->at(name), tensor, 1e-5)) << prefix << " " << name;
    }
  }
  const at::Tensor projections = reference().at("pca_projections");
  ASSERT_EQ(result.projections.size(), 5u);
  for (int64_t i = 0; i < 5; ++i) {
    EXPECT_NEAR(result.projections[i][0], projections[i][0].item<double>(), 1e-4) << i;
    EXPECT_NEAR(result.projections[i][1], projections[i][1].item<double>(), 1e-4) << i;
  }
}

TEST(PcaDirections, RecoversKnownDirections) {
  // Checkpoints final + a_i e1 + b_i e2 with orthonormal e1, e2 and far more spread along e1 than e2.
  ToyModel toy;
  const StateDict final_weights = model::clone_state(model::module_state(toy));
  at::manual_seed(5);
  Direction e1, e2;
  for (const auto& parameter : model::unique_parameters(toy)) {
    const bool is_matrix = parameter.tensor.dim() >= 2;
    e1[parameter.name()] = is_matrix ? at::randn(parameter.tensor.sizes()) : at::zeros(parameter.tensor.sizes());
    e2[parameter.name()] = is_matrix ? at::randn(parameter.tensor.sizes()) : at::zeros(parameter.tensor.sizes());
  }
  // Gram-Schmidt over the whole direction.
  auto dot = [](const Direction& a, const Direction& b) {
    double sum = 0;
    for (const auto& [name, tensor] : a) sum += (tensor.to(at::kDouble) * b.at(name).to(at::kDouble)).sum().item<double>();
    return sum;
  };
  const double norm1 = std::sqrt(dot(e1, e1));
  for (auto& [name, tensor] : e1) tensor.div_(norm1);
  const double overlap = dot(e1, e2);
  for (auto& [name, tensor] : e2) tensor.sub_(e1.at(name) * overlap);
  const double norm2 = std::sqrt(dot(e2, e2));
  for (auto& [name, tensor] : e2) tensor.div_(norm2);

  // a and b have mean 0 and are uncorrelated, so the principal axes of the centred offsets are exactly e1 and e2
  // (PCA, as in Li et al.'s code, centres the offsets first).
  const std::vector<double> a = {-4.0, -2.0, 0.0, 2.0, 4.0, 0.0};
  const std::vector<double> b = {0.5, -0.5, 0.0, -0.5, 0.5, 0.0};
  std::vector<StateDict> checkpoints;
  for (size_t i = 0; i < a.size(); ++i) {
    StateDict checkpoint;
    for (const auto& [name, tensor] : final_weights) {
      checkpoint[name] = e1.count(name) ? tensor + a[i] * e1.at(name) + b[i] * e2.at(name) : tensor;
    }
    checkpoints.push_back(checkpoint);
  }

  const PcaResult result = pca_directions(toy, checkpoints, {}, final_weights, true);

  EXPECT_NEAR(std::abs(dot(result.x, e1)), 1.0, 1e-5);
  EXPECT_NEAR(std::abs(dot(result.y, e2)), 1.0, 1e-5);
  EXPECT_NEAR(direction_norm(result.x), 1.0, 1e-5);
  EXPECT_NEAR(result.explained_variance_ratio[0] + result.explained_variance_ratio[1], 1.0, 1e-6);
  EXPECT_GT(result.explained_variance_ratio[0], 0.95);
  const double sign = dot(result.x, e1) > 0 ? 1.0 : -1.0;
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(result.projections[i][0], sign * a[i], 1e-4) << i;
  EXPECT_EQ(result.x.at("hidden_bias").abs().sum().item<float>(), 0.0f);
}

TEST(PcaDirections, ReadsCheckpointFiles) {
  tlt::testing::TempDir dir("pca_files");
  ToyModel toy;
  std::vector<std::filesystem::path> paths;
  const auto checkpoints = reference_checkpoints();
  for (size_t i = 0; i < checkpoints.size(); ++i) {
    paths.push_back(dir / ("epoch_00" + std::to_string(i) + ".pt"));
    save_state_dict(checkpoints[i], paths.back());
  }
  const StateDict final_weights = entries_with_prefix(reference(), "pca_final");
  const PcaResult from_files = pca_directions(toy, paths, final_weights, true);
  const PcaResult in_memory = pca_directions(toy, checkpoints, {}, final_weights, true);
  EXPECT_TRUE(tensors_close(from_files.x.at("conv"), in_memory.x.at("conv"), 0.0));
}

TEST(PcaDirections, RejectsTooFewCheckpoints) {
  ToyModel toy;
  const auto checkpoints = reference_checkpoints();
  try {
    pca_directions(toy, {checkpoints[0], checkpoints[1]}, {}, entries_with_prefix(reference(), "pca_final"), true);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("at least 3 checkpoints"), std::string::npos) << e.what();
  }
}

TEST(PcaDirections, RejectsCollinearTrajectory) {
  ToyModel toy;
  const StateDict final_weights = model::clone_state(model::module_state(toy));
  std::vector<StateDict> checkpoints;
  for (double step : {1.0, 2.0, 3.0}) {
    StateDict checkpoint = model::clone_state(final_weights);
    checkpoint["hidden"] = checkpoint["hidden"] + step;
    checkpoints.push_back(checkpoint);
  }
  EXPECT_THROW(pca_directions(toy, checkpoints, {}, final_weights, true), ConfigError);
}

TEST(PcaDirections, RejectsCheckpointOfOtherModel) {
  ToyModel toy;
  auto checkpoints = reference_checkpoints();
  checkpoints[2]["conv"] = at::zeros({2, 2});
  try {
    pca_directions(toy, checkpoints, {"a", "b", "c", "d", "e"}, entries_with_prefix(reference(), "pca_final"), true);
    FAIL() << "expected CheckpointError";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("checkpoint c"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tlt::space
