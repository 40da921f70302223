// Pruning a Transformer: which tensors are prunable, tied tensors, name patterns and mask files.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "prune/prune_test_support.h"
#include "support/test_support.h"
#include "tlt/model/parameters.h"
#include "tlt/prune/magnitude_pruning.h"
#include "tlt/prune/name_pattern.h"
#include "tlt/prune/pruning_mask.h"
#include "tlt/train/weight_mask.h"
#include "tlt/util/error.h"

namespace tlt::prune {
namespace {

using testing::count_zeros;
using testing::small_transformer;
using tlt::testing::TempDir;
using tlt::testing::tensors_equal;

const char* const kEmbedding = "encoder.src_word_emb.weight";  // first name of the tied embedding

std::vector<std::string> first_names(const std::vector<model::UniqueParameter>& parameters) {
  std::vector<std::string> names;
  for (const auto& parameter : parameters) names.push_back(parameter.name());
  return names;
}

PruneOptions options_with(std::vector<std::string> include, std::vector<std::string> exclude = {}) {
  PruneOptions options;
  options.include = std::move(include);
  options.exclude = std::move(exclude);
  return options;
}

template <class Error>
std::string message_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception";
  return "";
}

TEST(NamePattern, GlobStarMatchesDots) {
  const NamePattern pattern("decoder.*.pos_ffn.*");
  EXPECT_TRUE(pattern.matches("decoder.layer_stack.0.pos_ffn.w_1.weight"));
  EXPECT_FALSE(pattern.matches("encoder.layer_stack.0.pos_ffn.w_1.weight"));
}

TEST(NamePattern, GlobDotIsLiteral) {
  const NamePattern pattern("encoder.w");
  EXPECT_TRUE(pattern.matches("encoder.w"));
  EXPECT_FALSE(pattern.matches("encoderXw"));
}

TEST(NamePattern, GlobSetsAndQuestionMark) {
  EXPECT_TRUE(NamePattern("layer_stack.[0-1].w").matches("layer_stack.1.w"));
  EXPECT_FALSE(NamePattern("layer_stack.[0-1].w").matches("layer_stack.2.w"));
  EXPECT_TRUE(NamePattern("layer_stack.[!0].w").matches("layer_stack.2.w"));
  EXPECT_FALSE(NamePattern("layer_stack.[!0].w").matches("layer_stack.0.w"));
  EXPECT_TRUE(NamePattern("w_?.weight").matches("w_1.weight"));
  EXPECT_FALSE(NamePattern("w_?.weight").matches("w_12.weight"));
}

TEST(NamePattern, RegexMatchesWholeName) {
  const NamePattern pattern("re:encoder\\.layer_stack\\.[0-9]+\\..*");
  EXPECT_TRUE(pattern.matches("encoder.layer_stack.10.fc.weight"));
  EXPECT_FALSE(pattern.matches("xencoder.layer_stack.1.fc.weight"));
  EXPECT_FALSE(NamePattern("re:fc").matches("encoder.fc.weight"));
}

TEST(NamePattern, InvalidPatternsAreRejected) {
  EXPECT_NE(message_of<ConfigError>([] { NamePattern("re:(unclosed"); }).find("invalid name pattern 're:(unclosed'"),
            std::string::npos);
  EXPECT_NE(message_of<ConfigError>([] { NamePattern("layer_[0"); }).find("no closing ']'"), std::string::npos);
}

TEST(SelectPrunable, DefaultTakesEveryMatrixOnce) {
  const auto model = small_transformer();
  const auto selected = select_prunable(*model, PruneOptions{});
  int64_t numel = 0;
  for (const auto& parameter : selected) {
    EXPECT_GE(parameter.tensor.dim(), 2) << parameter.name();
    numel += parameter.tensor.numel();
  }
  // Embedding 20 x 8 once (tied three ways), 4 attention matrices per attention block (3 blocks), 2
  // feed-forward matrices per layer (2 layers).
  EXPECT_EQ(numel, 160 + 3 * 4 * 64 + 2 * 2 * 128);
  const auto names = first_names(selected);
  EXPECT_EQ(std::count(names.begin(), names.end(), kEmbedding), 1);
  for (const auto& name : names) {
    EXPECT_EQ(name.find("layer_norm"), std::string::npos) << name;
    EXPECT_EQ(name.find("pos_table"), std::string::npos) << name;
  }
}

TEST(SelectPrunable, IncludeAndExcludePatterns) {
  const auto model = small_transformer();
  const auto feed_forward = first_names(select_prunable(*model, options_with({"*.pos_ffn.*"})));
  EXPECT_EQ(feed_forward, (std::vector<std::string>{"encoder.layer_stack.0.pos_ffn.w_1.weight",
                                                    "encoder.layer_stack.0.pos_ffn.w_2.weight",
                                                    "decoder.layer_stack.0.pos_ffn.w_1.weight",
                                                    "decoder.layer_stack.0.pos_ffn.w_2.weight"}));

  const auto without_embedding = first_names(select_prunable(*model, options_with({"*"}, {"*word*"})));
  EXPECT_EQ(without_embedding.size(), 3u * 4u + 2u * 2u);

  // A tied tensor is excluded when any of its names matches, here the projection's.
  const auto without_projection = first_names(select_prunable(*model, options_with({"*"}, {"trg_word_prj.*"})));
  EXPECT_EQ(std::count(without_projection.begin(), without_projection.end(), kEmbedding), 0);

  const auto encoder = first_names(select_prunable(*model, options_with({"re:encoder\\..*"})));
  EXPECT_EQ(encoder.size(), 1u + 4u + 2u);
}

TEST(SelectPrunable, PatternsThatMatchNothingAreRejected) {
  const auto model = small_transformer();
  EXPECT_NE(message_of<ConfigError>([&] { select_prunable(*model, options_with({"*.bias"})); })
                .find("matches only parameters with fewer than 2 dimensions"),
            std::string::npos);
  EXPECT_NE(message_of<ConfigError>([&] { select_prunable(*model, options_with({"encoder.fc*"})); })
                .find("include pattern 'encoder.fc*' matches no parameter"),
            std::string::npos);
  EXPECT_NE(message_of<ConfigError>([&] { select_prunable(*model, options_with({"*"}, {"*.w_3.*"})); })
                .find("exclude pattern '*.w_3.*' matches no parameter"),
            std::string::npos);
  EXPECT_NE(message_of<ConfigError>([&] { select_prunable(*model, options_with({"*"}, {"*"})); })
                .find("leave no weight to prune"),
            std::string::npos);
}

TEST(MagnitudeMask, TiedTensorIsPrunedOnceUnderEveryName) {
  const auto model = small_transformer();
  const StateDict weights = model::module_state(*model);
  PruneOptions options;
  options.rate = 0.3;
  const StateDict mask = compute_magnitude_mask(*model, weights, {}, options);

  const at::Tensor& embedding = mask.at(kEmbedding);
  EXPECT_TRUE(tensors_equal(mask.at("decoder.trg_word_emb.weight"), embedding));
  EXPECT_TRUE(tensors_equal(mask.at("trg_word_prj.weight"), embedding));
  const auto rows = measure_sparsity(*model, mask);
  const TensorSparsity total = total_sparsity(rows);
  EXPECT_EQ(total.numel, 1440);
  EXPECT_EQ(total.pruned, count_to_prune(0.3, 1440));
  EXPECT_EQ(rows.front().name, kEmbedding);
  // No mask for biases, LayerNorm parameters or buffers.
  for (const auto& [name, values] : mask) EXPECT_GE(values.dim(), 2) << name;
}

TEST(MagnitudeMask, TensorScopePrunesEachTensorAtTheRate) {
  const auto model = small_transformer();
  PruneOptions options;
  options.rate = 0.3;
  options.scope = PruneScope::kTensor;
  const StateDict mask = compute_magnitude_mask(*model, model::module_state(*model), {}, options);
  for (const TensorSparsity& row : measure_sparsity(*model, mask)) {
    EXPECT_EQ(row.pruned, count_to_prune(0.3, row.numel)) << row.name;
  }
}

TEST(MagnitudeMask, ExistingMaskOutsideSelectionIsKept) {
  const auto model = small_transformer();
  const StateDict weights = model::module_state(*model);
  PruneOptions first;
  first.rate = 0.5;
  first.include = {"*.pos_ffn.*"};
  const StateDict existing = compute_magnitude_mask(*model, weights, {}, first);

  PruneOptions second;
  second.rate = 0.5;
  second.include = {"*.slf_attn.*"};
  const StateDict mask = compute_magnitude_mask(*model, weights, existing, second);
  const std::string ffn = "encoder.layer_stack.0.pos_ffn.w_1.weight";
  EXPECT_TRUE(tensors_equal(mask.at(ffn), existing.at(ffn)));
  // Half of the 8 self-attention matrices of 64 weights together: 256.
  int64_t pruned = 0;
  for (const auto& [name, values] : mask) {
    if (name.find(".slf_attn.") != std::string::npos) pruned += count_zeros(values);
  }
  EXPECT_EQ(pruned, 256);
}

TEST(PruningMask, NormalizeExpandsATiedMaskListedOnce) {
  const auto model = small_transformer();
  StateDict masks;
  masks["trg_word_prj.weight"] = at::ones({20, 8});
  masks["trg_word_prj.weight"][0][0] = 0;
  const StateDict normalized = normalize_mask(*model, masks, "mask 'm.pt'");
  EXPECT_EQ(normalized.size(), 3u);
  EXPECT_TRUE(tensors_equal(normalized.at(kEmbedding), masks.at("trg_word_prj.weight")));
}

TEST(PruningMask, NormalizeRejectsBadMasks) {
  const auto model = small_transformer();
  StateDict conflicting;
  conflicting["trg_word_prj.weight"] = at::ones({20, 8});
  conflicting[kEmbedding] = at::zeros({20, 8});
  EXPECT_NE(message_of<CheckpointError>([&] { normalize_mask(*model, conflicting, "mask 'm.pt'"); })
                .find("different masks for the tied names"),
            std::string::npos);

  StateDict wrong_shape;
  wrong_shape["encoder.layer_stack.0.pos_ffn.w_1.weight"] = at::ones({8, 16});
  const std::string message = message_of<CheckpointError>([&] { normalize_mask(*model, wrong_shape, "mask 'm.pt'"); });
  EXPECT_NE(message.find("mask 'm.pt'"), std::string::npos) << message;
  EXPECT_NE(message.find("[8, 16]"), std::string::npos) << message;

  StateDict not_binary;
  not_binary["encoder.layer_stack.0.pos_ffn.w_1.weight"] = at::full({16, 8}, 0.5);
  EXPECT_NE(message_of<CheckpointError>([&] { normalize_mask(*model, not_binary, "mask 'm.pt'"); })
                .find("values other than 0 and 1"),
            std::string::npos);
}

TEST(PruningMask, FileRoundTripIsAcceptedByWeightMask) {
  TempDir dir("mask");
  auto model = small_transformer();
  PruneOptions options;
  options.rate = 0.3;
  const StateDict mask = compute_magnitude_mask(*model, model::module_state(*model), {}, options);
  save_state_dict(mask, dir / "mask.pt");
  const StateDict loaded = load_state_dict(dir / "mask.pt");
  ASSERT_EQ(loaded.size(), mask.size());
  for (const auto& [name, values] : mask) EXPECT_TRUE(tensors_equal(loaded.at(name), values)) << name;

  const train::WeightMask weight_mask(*model, loaded, "mask.pt");
  weight_mask.apply_to_weights();
  EXPECT_NEAR(weight_mask.sparsity(), static_cast<double>(count_to_prune(0.3, 1440)) / 1440.0, 1e-12);
  EXPECT_TRUE(testing::pruned_entries_are_zero(model::module_state(*model), mask));
}

TEST(PruningMask, ApplyZeroesPrunedEntriesOnly) {
  StateDict state;
  state["w"] = at::tensor({1.f, 2.f, 3.f});
  state["b"] = at::tensor({4.f});
  StateDict mask;
  mask["w"] = at::tensor({1.f, 0.f, 1.f});
  const StateDict masked = apply_mask(state, mask);
  EXPECT_TRUE(tensors_equal(masked.at("w"), at::tensor({1.f, 0.f, 3.f})));
  EXPECT_TRUE(tensors_equal(masked.at("b"), at::tensor({4.f})));
  EXPECT_TRUE(tensors_equal(state.at("w"), at::tensor({1.f, 2.f, 3.f})));
}

TEST(PruningMask, SparsityCsvHasTotalRow) {
  const std::string csv = format_sparsity_csv({{"a", 10, 3}, {"b", 30, 9}});
  EXPECT_EQ(csv, "name,numel,pruned,sparsity\na,10,3,0.3\nb,30,9,0.3\ntotal,40,12,0.3\n");
}

}  // namespace
}  // namespace tlt::prune
