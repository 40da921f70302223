// `tlt prune` run as a user runs it: help, exit codes, error messages and output files.
#include <gtest/gtest.h>

#include <filesystem>

#include "prune/prune_test_support.h"
#include "support/test_support.h"

namespace tlt::prune {
namespace {

namespace fs = std::filesystem;
using testing::tiny_base_run;
using tlt::testing::run_tlt;
using tlt::testing::TempDir;

bool contains(const std::string& text, const std::string& fragment) { return text.find(fragment) != std::string::npos; }

class PruneCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(tlt::testing::tlt_binary())) GTEST_SKIP() << "the tlt executable is not built";
  }

  /// "prune --from BASE --threads 1 " followed by `arguments`.
  static std::string prune_from_base(const std::string& arguments) {
    return "prune --threads 1 --from '" + tiny_base_run().string() + "' " + arguments;
  }
};

TEST_F(PruneCommand, HelpListsOptionsAndSignConvention) {
  const auto result = run_tlt("prune --help");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  for (const char* option : {"--from", "--out", "--checkpoint", "--rate", "--scope", "--include", "--exclude", "--init",
                             "--rewind-to", "--seed", "--alpha", "--beta", "--direction-seed", "--retrain", "--set",
                             "--force", "--iterative", "--rate-per-round", "--target"}) {
    EXPECT_TRUE(contains(result.output, option)) << option << "\n" << result.output;
  }
  EXPECT_TRUE(contains(result.output, "w0 + alpha * (w* - w0) + beta * y")) << result.output;
}

TEST_F(PruneCommand, MissingFromIsRejected) {
  TempDir dir("no_from");
  const auto result = run_tlt("prune --rate 0.3 --out '" + (dir / "out").string() + "'");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_TRUE(contains(result.output, "--from RUN")) << result.output;
}

TEST_F(PruneCommand, MissingRateIsRejected) {
  TempDir dir("no_rate");
  const auto result = run_tlt(prune_from_base("--out '" + (dir / "out").string() + "'"));
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_TRUE(contains(result.output, "needs --rate")) << result.output;
}

TEST_F(PruneCommand, RateOutOfRangeIsRejected) {
  TempDir dir("rate");
  const auto result = run_tlt(prune_from_base("--rate 1.5 --out '" + (dir / "out").string() + "'"));
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_TRUE(contains(result.output, "--rate: 1.5 is out of range: expected a fraction in [0, 1)")) << result.output;
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST_F(PruneCommand, NegativeRateIsRejected) {
  TempDir dir("negative_rate");
  const auto result = run_tlt(prune_from_base("--rate=-0.1 --out '" + (dir / "out").string() + "'"));
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_TRUE(contains(result.output, "--rate: -0.1 is out of range")) << result.output;
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST_F(PruneCommand, UnknownScopeListsValidNames) {
  TempDir dir("scope");
  const auto result = run_tlt(prune_from_base("--rate 0.3 --scope layer --out '" + (dir / "out").string() + "'"));
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_TRUE(contains(result.output, "global | tensor")) << result.output;
}

TEST_F(PruneCommand, CheckpointInitNeedsRewindPoint) {
  TempDir dir("rewind_to");
  const auto result = run_tlt(prune_from_base("--rate 0.3 --init checkpoint --out '" + (dir / "out").string() + "'"));
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_TRUE(contains(result.output, "--rewind-to epoch:K or step:K")) << result.output;
}

TEST_F(PruneCommand, MissingRewindCheckpointIsCheckpointError) {
  TempDir dir("missing_epoch");
  const auto result = run_tlt(
      prune_from_base("--rate 0.3 --init checkpoint --rewind-to epoch:7 --out '" + (dir / "out").string() + "'"));
  EXPECT_EQ(result.exit_code, 3) << result.output;
  EXPECT_TRUE(contains(result.output, "epoch_007.pt not found")) << result.output;
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST_F(PruneCommand, PatternMatchingNothingIsRejected) {
  TempDir dir("pattern");
  const auto result = run_tlt(prune_from_base("--rate 0.3 --include '*.w_9.*' --out '" + (dir / "out").string() + "'"));
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_TRUE(contains(result.output, "include pattern '*.w_9.*' matches no parameter")) << result.output;
}

TEST_F(PruneCommand, PrunesIntoOutputFolder) {
  TempDir dir("ok");
  const auto result = run_tlt(prune_from_base("--rate 0.3 --out '" + (dir / "p30").string() + "'"));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(contains(result.output, "prunable weights pruned (30.00%)")) << result.output;
  for (const char* file : {"init.pt", "mask.pt", "sparsity.csv", "config.yaml", "prune.json"}) {
    EXPECT_TRUE(fs::exists(dir / "p30" / file)) << file;
  }

  const auto other = run_tlt(prune_from_base("--rate 0.5 --out '" + (dir / "p30").string() + "'"));
  EXPECT_EQ(other.exit_code, 2) << other.output;
  EXPECT_TRUE(contains(other.output, "contains a different pruning")) << other.output;
}

}  // namespace
}  // namespace tlt::prune
