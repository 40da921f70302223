#include "tlt/space/direction.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/csrc/autograd/grad_mode.h>

#include "space/space_test_support.h"
#include "support/test_support.h"
#include "tlt/model/parameters.h"
#include "tlt/model/transformer.h"
#include "tlt/util/error.h"
#include "tlt/util/state_dict.h"

namespace tlt::space {
namespace {

using space::testing::entries_with_prefix;
using space::testing::ToyModel;
using tlt::testing::tensors_close;
using tlt::testing::tensors_equal;

const StateDict& reference() {
  static const StateDict values =
      load_state_dict(tlt::testing::source_dir() / "tests" / "data" / "space" / "directions.pt");
  return values;
}

// A toy model holding the reference weights.
std::shared_ptr<ToyModel> toy_with_reference_weights() {
  auto toy = std::make_shared<ToyModel>();
  torch::NoGradGuard no_grad;
  for (const auto& [name, tensor] : entries_with_prefix(reference(), "weights")) {
    toy->named_parameters()[name].copy_(tensor);
  }
  return toy;
}

model::Transformer tiny_transformer() {
  model::TransformerOptions options;
  options.d_model = 8;
  options.d_inner = 12;
  options.n_layers = 1;
  options.n_head = 2;
  options.d_k = 4;
  options.d_v = 4;
  options.n_position = 16;
  return model::Transformer(options, 11);
}

struct ReferenceCase {
  std::string name;
  Normalization normalization;
  bool ignore_1d;
  bool masked;
};

class DirectionReference : public ::testing::TestWithParam<ReferenceCase> {};

TEST_P(DirectionReference, MatchesPytorch) {
  const ReferenceCase& c = GetParam();
  auto toy = toy_with_reference_weights();
  DirectionOptions options;
  options.normalization = c.normalization;
  options.ignore_1d = c.ignore_1d;
  options.seed = 7;
  const StateDict masks = c.masked ? entries_with_prefix(reference(), "mask") : StateDict{};

  const Direction direction = random_direction(*toy, model::module_state(*toy), options, masks);

  const StateDict expected = entries_with_prefix(reference(), c.name);
  ASSERT_EQ(direction.size(), expected.size());
  for (const auto& [name, tensor] : expected) {
    ASSERT_TRUE(direction.count(name)) << name;
    EXPECT_TRUE(tensors_close(direction.at(name), tensor, 1e-6, 1e-5)) << c.name << " " << name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DirectionReference,
    ::testing::Values(ReferenceCase{"filter", Normalization::kFilter, true, false},
                      ReferenceCase{"layer", Normalization::kLayer, true, false},
                      ReferenceCase{"weight", Normalization::kWeight, true, false},
                      ReferenceCase{"none", Normalization::kNone, true, false},
                      ReferenceCase{"filter_keep_1d", Normalization::kFilter, false, false},
                      ReferenceCase{"filter_masked", Normalization::kFilter, true, true}),
    [](const ::testing::TestParamInfo<ReferenceCase>& info) { return info.param.name; });

TEST(Direction, FilterRowsHaveWeightRowNorms) {
  auto model = tiny_transformer();
  const StateDict weights = model::module_state(*model);
  const Direction direction = random_direction(*model, weights, DirectionOptions{});

  for (const auto& parameter : model::unique_parameters(*model)) {
    if (parameter.tensor.dim() < 2) continue;
    const at::Tensor d_rows = direction.at(parameter.name()).reshape({parameter.tensor.size(0), -1});
    const at::Tensor w_rows = weights.at(parameter.name()).reshape({parameter.tensor.size(0), -1});
    EXPECT_TRUE(tensors_close(d_rows.norm(2, at::IntArrayRef{1}), w_rows.norm(2, at::IntArrayRef{1}), 1e-6, 1e-5)) << parameter.name();
  }
}

TEST(Direction, OneDimensionalZeroedByDefault) {
  auto model = tiny_transformer();
  const Direction direction = random_direction(*model, model::module_state(*model), DirectionOptions{});
  int checked = 0;
  for (const auto& parameter : model::unique_parameters(*model)) {
    if (parameter.tensor.dim() != 1) continue;
    EXPECT_EQ(direction.at(parameter.name()).abs().max().item<float>(), 0.0f) << parameter.name();
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST(Direction, OneDimensionalKeptFollowsWeight) {
  auto model = tiny_transformer();
  const StateDict weights = model::module_state(*model);
  DirectionOptions options;
  options.ignore_1d = false;
  const Direction direction = random_direction(*model, weights, options);
  for (const auto& parameter : model::unique_parameters(*model)) {
    if (parameter.tensor.dim() != 1) continue;
    EXPECT_TRUE(tensors_equal(direction.at(parameter.name()), weights.at(parameter.name()))) << parameter.name();
  }
}

TEST(Direction, TiedTensorHasOneEntryAndBuffersNone) {
  auto model = tiny_transformer();
  const Direction direction = random_direction(*model, model::module_state(*model), DirectionOptions{});

  const auto parameters = model::unique_parameters(*model);
  EXPECT_EQ(direction.size(), parameters.size());
  for (const auto& parameter : parameters) {
    EXPECT_TRUE(direction.count(parameter.name())) << parameter.name();
    for (size_t i = 1; i < parameter.names.size(); ++i) {
      EXPECT_FALSE(direction.count(parameter.names[i])) << "tied alias " << parameter.names[i];
    }
  }
  for (const auto& buffer : model->named_buffers(true)) {
    EXPECT_FALSE(direction.count(buffer.key())) << "buffer " << buffer.key();
  }
  EXPECT_FALSE(direction.count("trg_word_prj.weight"));
}

TEST(Direction, MaskedEntriesAreZero) {
  auto toy = toy_with_reference_weights();
  const StateDict masks = entries_with_prefix(reference(), "mask");
  DirectionOptions options;
  options.normalization = Normalization::kLayer;
  const Direction direction = random_direction(*toy, model::module_state(*toy), options, masks);

  // The tied tensor's mask is stored under its alias "projection"; the direction is keyed "embedding".
  const at::Tensor pruned_embedding = direction.at("embedding").masked_select(masks.at("projection").eq(0));
  EXPECT_EQ(pruned_embedding.abs().sum().item<float>(), 0.0f);
  const at::Tensor pruned_hidden = direction.at("hidden").masked_select(masks.at("hidden").eq(0));
  EXPECT_EQ(pruned_hidden.abs().sum().item<float>(), 0.0f);
  EXPECT_FALSE(direction.at("hidden").isnan().any().item<bool>());
}

TEST(Direction, SeedFixesValuesAndLeavesGlobalGenerator) {
  auto model = tiny_transformer();
  const StateDict weights = model::module_state(*model);
  at::manual_seed(3);
  const at::Tensor expected_global = at::randn({4});
  at::manual_seed(3);

  DirectionOptions options;
  options.seed = 11;
  const Direction first = random_direction(*model, weights, options);
  const Direction second = random_direction(*model, weights, options);
  options.seed = 12;
  const Direction other = random_direction(*model, weights, options);

  EXPECT_TRUE(tensors_equal(at::randn({4}), expected_global));
  for (const auto& [name, tensor] : first) EXPECT_TRUE(tensors_equal(second.at(name), tensor)) << name;
  EXPECT_FALSE(at::equal(first.at("encoder.src_word_emb.weight"), other.at("encoder.src_word_emb.weight")));
}

TEST(Direction, TargetIsMaskedDifference) {
  auto toy = toy_with_reference_weights();
  const StateDict masks = entries_with_prefix(reference(), "mask");
  const Direction direction = target_direction(*toy, entries_with_prefix(reference(), "weights"),
                                               entries_with_prefix(reference(), "target_end"), masks);
  const StateDict expected = entries_with_prefix(reference(), "target");
  ASSERT_EQ(direction.size(), expected.size());
  for (const auto& [name, tensor] : expected) {
    EXPECT_TRUE(tensors_close(direction.at(name), tensor, 1e-7)) << name;
  }
}

TEST(SetWeights, WritesInPlaceAndMatchesPytorch) {
  auto toy = toy_with_reference_weights();
  const StateDict base = model::clone_state(model::module_state(*toy));
  DirectionOptions options;
  options.seed = 7;
  const Direction filter = random_direction(*toy, base, options);
  options.normalization = Normalization::kLayer;
  const Direction layer = random_direction(*toy, base, options);
  const void* embedding_storage = toy->embedding.data_ptr();
  const at::Tensor table_before = toy->table.clone();

  set_weights(*toy, base, {&filter, &layer}, {0.3, -0.7});

  EXPECT_EQ(toy->embedding.data_ptr(), embedding_storage) << "set_weights must not reallocate";
  EXPECT_TRUE(toy->embedding.requires_grad());
  const StateDict expected = entries_with_prefix(reference(), "combined");
  const StateDict state = model::module_state(*toy);
  for (const auto& [name, tensor] : expected) {
    EXPECT_TRUE(tensors_close(state.at(name), tensor, 1e-6, 1e-6)) << name;
  }
  EXPECT_TRUE(tensors_equal(state.at("projection"), state.at("embedding")));
  EXPECT_TRUE(tensors_equal(toy->table, table_before));

  set_weights(*toy, base, {&filter, &layer}, {0.0, 0.0});
  EXPECT_TRUE(tensors_equal(toy->hidden, base.at("hidden")));
}

TEST(SetWeights, RejectsCoefficientCountMismatch) {
  auto toy = toy_with_reference_weights();
  const StateDict base = model::module_state(*toy);
  const Direction direction = random_direction(*toy, base, DirectionOptions{});
  EXPECT_THROW(set_weights(*toy, base, {&direction}, {1.0, 2.0}), std::invalid_argument);
}

TEST(Combine, EqualsSetWeightsUnderEveryName) {
  auto toy = toy_with_reference_weights();
  const StateDict base = model::clone_state(model::module_state(*toy));
  const Direction direction = random_direction(*toy, base, DirectionOptions{});

  const StateDict combined = combine(*toy, base, {&direction}, {0.25});
  EXPECT_TRUE(tensors_equal(toy->hidden, base.at("hidden"))) << "combine must leave the module unchanged";
  set_weights(*toy, base, {&direction}, {0.25});
  const StateDict state = model::module_state(*toy);
  ASSERT_EQ(combined.size(), state.size());
  for (const auto& [name, tensor] : state) {
    ASSERT_TRUE(combined.count(name)) << name;
    EXPECT_TRUE(tensors_equal(combined.at(name), tensor)) << name;
  }
}

TEST(CheckDirection, AcceptsSavedDirection) {
  tlt::testing::TempDir dir("direction_round_trip");
  auto model = tiny_transformer();
  const Direction direction = random_direction(*model, model::module_state(*model), DirectionOptions{});
  save_state_dict(direction, dir / "x.pt");
  const Direction loaded = load_state_dict(dir / "x.pt");
  EXPECT_NO_THROW(check_direction(*model, loaded, "direction x.pt"));
  EXPECT_NEAR(direction_norm(loaded), direction_norm(direction), 1e-9);
}

TEST(CheckDirection, RejectsOtherModelShape) {
  auto toy = toy_with_reference_weights();
  Direction direction = random_direction(*toy, model::module_state(*toy), DirectionOptions{});
  direction["hidden"] = at::zeros({4, 4});
  try {
    check_direction(*toy, direction, "direction file y.pt");
    FAIL() << "expected CheckpointError";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("direction file y.pt"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[4, 4]"), std::string::npos) << e.what();
  }
}

TEST(CheckDirection, RejectsMissingAndExtraEntries) {
  auto toy = toy_with_reference_weights();
  const Direction good = random_direction(*toy, model::module_state(*toy), DirectionOptions{});
  Direction missing = good;
  missing.erase("conv");
  EXPECT_THROW(check_direction(*toy, missing, "direction"), CheckpointError);
  Direction with_buffer = good;
  with_buffer["table"] = at::zeros({5, 4});
  EXPECT_THROW(check_direction(*toy, with_buffer, "direction"), CheckpointError);
  Direction with_alias = good;
  with_alias["projection"] = good.at("embedding");
  EXPECT_THROW(check_direction(*toy, with_alias, "direction"), CheckpointError);
  Direction integer = good;
  integer["conv"] = at::zeros({2, 3, 2}, at::kLong);
  EXPECT_THROW(check_direction(*toy, integer, "direction"), CheckpointError);
}

TEST(CheckMasks, RejectsUnknownNameShapeAndValues) {
  auto toy = toy_with_reference_weights();
  EXPECT_THROW(check_masks(*toy, {{"table", at::ones({5, 4})}}, "mask m.pt"), CheckpointError);
  EXPECT_THROW(check_masks(*toy, {{"hidden", at::ones({4, 3})}}, "mask m.pt"), CheckpointError);
  EXPECT_THROW(check_masks(*toy, {{"hidden", at::full({3, 4}, 0.5)}}, "mask m.pt"), CheckpointError);
  EXPECT_NO_THROW(check_masks(*toy, {{"projection", at::ones({6, 4})}}, "mask m.pt"));
}

TEST(Direction, RejectsWeightsOfOtherShape) {
  auto toy = toy_with_reference_weights();
  StateDict weights = model::module_state(*toy);
  weights["conv"] = at::zeros({3, 3});
  EXPECT_THROW(random_direction(*toy, weights, DirectionOptions{}), CheckpointError);
}

TEST(ParseNormalization, ListsValidNames) {
  EXPECT_EQ(parse_normalization("filter"), Normalization::kFilter);
  EXPECT_EQ(parse_normalization("none"), Normalization::kNone);
  try {
    parse_normalization("filters");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("filters"), std::string::npos) << message;
    EXPECT_NE(message.find("filter | layer | weight | none"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace tlt::space
