#include "tlt/prune/magnitude_pruning.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "prune/prune_test_support.h"
#include "support/test_support.h"
#include "tlt/util/error.h"
#include "tlt/util/state_dict.h"

namespace tlt::prune {
namespace {

using testing::count_zeros;
using tlt::testing::tensors_equal;

/// Reference masks from scripts/make_prune_fixtures.py (torch.nn.utils.prune).
const StateDict& reference() {
  static const StateDict masks =
      load_state_dict(tlt::testing::source_dir() / "tests" / "data" / "prune" / "magnitude_masks.pt");
  return masks;
}

std::vector<PruneTarget> reference_targets() {
  std::vector<PruneTarget> targets;
  for (const char* name : {"a", "b", "c"}) {
    targets.push_back({name, reference().at(std::string("weight/") + name),
                       reference().at(std::string("existing/") + name)});
  }
  return targets;
}

TEST(CountToPrune, RoundsHalvesToEven) {
  EXPECT_EQ(count_to_prune(0.1, 35), 4);  // 3.5
  EXPECT_EQ(count_to_prune(0.1, 25), 2);  // 2.5
  EXPECT_EQ(count_to_prune(0.5, 3), 2);   // 1.5
  EXPECT_EQ(count_to_prune(0.3, 10), 3);
  EXPECT_EQ(count_to_prune(0.8, 77), 62);  // 61.6
  EXPECT_EQ(count_to_prune(0.0, 1000), 0);
  EXPECT_EQ(count_to_prune(0.3, 0), 0);
}

TEST(MagnitudePruning, GlobalMatchesPyTorch) {
  for (const char* rate : {"0.1", "0.3", "0.8"}) {
    const auto masks = prune_by_magnitude(reference_targets(), std::stod(rate), PruneScope::kGlobal);
    ASSERT_EQ(masks.size(), 3u);
    int index = 0;
    for (const char* name : {"a", "b", "c"}) {
      EXPECT_TRUE(tensors_equal(masks[index++], reference().at(std::string("global_") + rate + "/" + name)))
          << "rate " << rate << ", tensor " << name;
    }
  }
}

TEST(MagnitudePruning, PerTensorMatchesPyTorch) {
  for (const char* rate : {"0.1", "0.3", "0.8"}) {
    const auto masks = prune_by_magnitude(reference_targets(), std::stod(rate), PruneScope::kTensor);
    int index = 0;
    for (const char* name : {"a", "b", "c"}) {
      EXPECT_TRUE(tensors_equal(masks[index++], reference().at(std::string("tensor_") + rate + "/" + name)))
          << "rate " << rate << ", tensor " << name;
    }
  }
}

TEST(MagnitudePruning, GlobalTiesGoInTargetThenIndexOrder) {
  // Seven equal magnitudes; 0.5 of 7 is 3.5, rounded to 4: all of a, then none of b.
  const std::vector<PruneTarget> targets = {{"a", at::full({2, 2}, -1.0), {}}, {"b", at::ones({3}), {}}};
  const auto masks = prune_by_magnitude(targets, 0.5, PruneScope::kGlobal);
  EXPECT_TRUE(tensors_equal(masks[0], at::zeros({2, 2})));
  EXPECT_TRUE(tensors_equal(masks[1], at::ones({3})));
}

TEST(MagnitudePruning, PerTensorTiesGoInIndexOrder) {
  const std::vector<PruneTarget> targets = {{"a", at::ones({2, 2}), {}}, {"b", at::ones({3}), {}}};
  const auto masks = prune_by_magnitude(targets, 0.5, PruneScope::kTensor);
  EXPECT_TRUE(tensors_equal(masks[0], at::tensor({0.f, 0.f, 1.f, 1.f}).reshape({2, 2})));
  EXPECT_TRUE(tensors_equal(masks[1], at::tensor({0.f, 0.f, 1.f})));  // 1.5 rounds to 2
}

TEST(MagnitudePruning, ExactCountWithManyTies) {
  at::manual_seed(5);
  // Integer magnitudes 0..3: thousands of ties at every threshold.
  const std::vector<PruneTarget> targets = {{"a", at::randint(-3, 4, {50, 40}).to(at::kFloat), {}},
                                            {"b", at::randint(-3, 4, {30, 17}).to(at::kFloat), {}}};
  const int64_t total = 50 * 40 + 30 * 17;
  for (double rate : {0.1, 0.3, 0.8}) {
    const auto global = prune_by_magnitude(targets, rate, PruneScope::kGlobal);
    EXPECT_EQ(count_zeros(global[0]) + count_zeros(global[1]), count_to_prune(rate, total)) << rate;

    // Every pruned magnitude is at most every kept one.
    double max_pruned = 0.0;
    double min_kept = 1e9;
    for (size_t i = 0; i < targets.size(); ++i) {
      const at::Tensor magnitude = targets[i].weight.abs();
      if (count_zeros(global[i]) > 0) {
        max_pruned = std::max(max_pruned, magnitude.masked_select(global[i].eq(0)).max().item<double>());
      }
      min_kept = std::min(min_kept, magnitude.masked_select(global[i].eq(1)).min().item<double>());
    }
    EXPECT_LE(max_pruned, min_kept) << rate;

    const auto per_tensor = prune_by_magnitude(targets, rate, PruneScope::kTensor);
    EXPECT_EQ(count_zeros(per_tensor[0]), count_to_prune(rate, 50 * 40)) << rate;
    EXPECT_EQ(count_zeros(per_tensor[1]), count_to_prune(rate, 30 * 17)) << rate;
  }
}

TEST(MagnitudePruning, ExistingMaskStaysAndRateAppliesToRemainder) {
  // The largest weight is pruned already; the new step prunes half of the 7 that remain.
  const at::Tensor weight = at::arange(1, 9, at::kFloat).reshape({2, 4});
  at::Tensor existing = at::ones({2, 4});
  existing.view({-1})[7] = 0;
  const auto masks = prune_by_magnitude({{"w", weight, existing}}, 0.5, PruneScope::kGlobal);
  // round(3.5) = 4: the four smallest of 1..7 go, 8 stays pruned.
  EXPECT_TRUE(tensors_equal(masks[0], at::tensor({0.f, 0.f, 0.f, 0.f, 1.f, 1.f, 1.f, 0.f}).reshape({2, 4})));
}

TEST(MagnitudePruning, RepeatedStepsCompound) {
  at::manual_seed(8);
  const at::Tensor weight = at::randn({40, 25});
  auto mask = prune_by_magnitude({{"w", weight, {}}}, 0.5, PruneScope::kGlobal)[0];
  mask = prune_by_magnitude({{"w", weight, mask}}, 0.5, PruneScope::kGlobal)[0];
  EXPECT_EQ(count_zeros(mask), 750);  // 500 + 250
}

TEST(MagnitudePruning, RateOutsideRangeIsRejected) {
  for (double rate : {1.0, -0.1, 1.5}) {
    try {
      prune_by_magnitude({{"w", at::ones({2, 2}), {}}}, rate, PruneScope::kGlobal);
      FAIL() << "expected ConfigError for rate " << rate;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("[0, 1)"), std::string::npos) << e.what();
    }
  }
}

TEST(MagnitudePruning, NonFiniteWeightIsRejected) {
  at::Tensor weight = at::ones({2, 2});
  weight[1][1] = std::numeric_limits<float>::quiet_NaN();
  try {
    prune_by_magnitude({{"encoder.w", weight, {}}}, 0.3, PruneScope::kGlobal);
    FAIL() << "expected CheckpointError";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("'encoder.w' contain NaN"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tlt::prune
