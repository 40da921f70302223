#include "tlt/optim/warmup.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "optim/optim_test_support.h"
#include "tlt/util/error.h"

namespace tlt::optim {
namespace {

// Values worked out by hand from lr_mul * d_model^-0.5 * min(step^-0.5, step * warmup_steps^-1.5).
TEST(WarmupLr, HandComputedValues) {
  // d_model 64, warmup 16: d_model^-0.5 = 1/8 and warmup^-1.5 = 1/64, all exact in binary.
  EXPECT_EQ(warmup_lr(1, 1.0, 64, 16), 1.0 / 8 / 64);
  EXPECT_EQ(warmup_lr(4, 1.0, 64, 16), 1.0 / 8 * 4 / 64);
  EXPECT_EQ(warmup_lr(16, 1.0, 64, 16), 1.0 / 32);  // the peak, (d_model * warmup)^-0.5
  EXPECT_EQ(warmup_lr(64, 1.0, 64, 16), 1.0 / 64);  // 1/8 * 64^-0.5
  EXPECT_EQ(warmup_lr(64, 3.0, 64, 16), 3.0 / 64);

  // The base configuration: d_model 512, warmup 4000, lr_mul 2. Peak 2 / sqrt(512 * 4000).
  EXPECT_DOUBLE_EQ(warmup_lr(4000, 2.0, 512, 4000), 2.0 / std::sqrt(2048000.0));
  EXPECT_DOUBLE_EQ(warmup_lr(16000, 2.0, 512, 4000), 1.0 / std::sqrt(2048000.0));  // 4x the steps: half
  EXPECT_DOUBLE_EQ(warmup_lr(1, 2.0, 512, 4000), 2.0 / (std::sqrt(512.0) * std::pow(4000.0, 1.5)));
}

TEST(WarmupLr, RisesLinearlyThenDecays) {
  EXPECT_DOUBLE_EQ(warmup_lr(2000, 1.0, 512, 4000), warmup_lr(1000, 1.0, 512, 4000) * 2);
  EXPECT_LT(warmup_lr(3999, 1.0, 512, 4000), warmup_lr(4000, 1.0, 512, 4000));
  EXPECT_LT(warmup_lr(4001, 1.0, 512, 4000), warmup_lr(4000, 1.0, 512, 4000));
}

TEST(WarmupLr, MatchesReferenceImplementationExactly) {
  const nlohmann::json fixture = tlt::testing::read_optim_fixture("warmup_lr.json");
  ASSERT_FALSE(fixture.at("values").empty());
  for (const nlohmann::json& value : fixture.at("values")) {
    EXPECT_EQ(warmup_lr(value.at("step"), value.at("lr_mul"), value.at("d_model"), value.at("warmup_steps")),
              value.at("lr").get<double>())
        << value.dump();
  }
}

TEST(WarmupLr, InvalidArgumentsAreRejected) {
  EXPECT_THROW(warmup_lr(0, 1.0, 512, 4000), std::invalid_argument);
  try {
    warmup_lr(1, 1.0, 512, 0);
    FAIL() << "warmup_steps 0 was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("warmup_steps >= 1, got 0"), std::string::npos) << e.what();
  }
  EXPECT_THROW(warmup_lr(1, 1.0, 0, 4000), ConfigError);
  EXPECT_THROW(warmup_lr(1, -1.0, 512, 4000), ConfigError);
}

}  // namespace
}  // namespace tlt::optim
