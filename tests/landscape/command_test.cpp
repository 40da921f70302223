// tlt landscape as a user runs it: help, a missing option, an invalid value (exit codes and messages).
#include <gtest/gtest.h>

#include "support/test_support.h"

namespace tlt::landscape {
namespace {

namespace fs = std::filesystem;
using tlt::testing::run_tlt;

class LandscapeCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(tlt::testing::tlt_binary())) GTEST_SKIP() << "the tlt executable is not built";
  }
};

TEST_F(LandscapeCommand, HelpListsOptions) {
  const auto result = run_tlt("landscape --help");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  for (const char* option : {"--run", "--x-range", "--normalization", "--keep-1d", "--eval-sentences", "--checkpoints",
                             "--save-directions", "sweep"}) {
    EXPECT_NE(result.output.find(option), std::string::npos) << option << "\n" << result.output;
  }
  const auto sweep = run_tlt("landscape sweep --help");
  EXPECT_EQ(sweep.exit_code, 0) << sweep.output;
  EXPECT_NE(sweep.output.find("--epochs"), std::string::npos) << sweep.output;
}

TEST_F(LandscapeCommand, MissingRunExitsTwo) {
  const auto result = run_tlt("landscape --x-range=-1:1:3");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("--run is missing"), std::string::npos) << result.output;
}

TEST_F(LandscapeCommand, InvalidValuesExitTwo) {
  tlt::testing::TempDir dir("landscape_command");
  const auto range = run_tlt("landscape --run '" + dir.path().string() + "' --x-range=1:-1:5");
  EXPECT_EQ(range.exit_code, 2) << range.output;
  EXPECT_NE(range.output.find("--x-range '1:-1:5'"), std::string::npos) << range.output;
  const auto normalization = run_tlt("landscape --run '" + dir.path().string() + "' --normalization filters");
  EXPECT_EQ(normalization.exit_code, 2) << normalization.output;
  EXPECT_NE(normalization.output.find("filter | layer | weight | none"), std::string::npos) << normalization.output;
  const auto split = run_tlt("landscape --run '" + dir.path().string() + "' --eval-split test");
  EXPECT_EQ(split.exit_code, 2) << split.output;
  EXPECT_NE(split.output.find("train | valid"), std::string::npos) << split.output;
}

}  // namespace
}  // namespace tlt::landscape
