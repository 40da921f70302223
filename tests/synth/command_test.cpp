// `tlt synth-attn` as a user runs it. Skipped where the tlt executable is not built (TLT_BUILD_APPS=OFF).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/test_support.h"

namespace tlt::synth {
namespace {

namespace fs = std::filesystem;

using tlt::testing::read_text;
using tlt::testing::run_tlt;
using tlt::testing::TempDir;

// Overrides that shrink the study to a fraction of a second per setting.
const char* const kSmallStudy =
    " --set task.n_samples=300 --set task.seq_len=4 --set task.d_model=8 --set task.n_classes=3"
    " --set task.teacher_d_k=4 --set model.d_k=4 --set model.d_v=4 --set train.epochs=2 --threads 1";

class SynthAttnCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(tlt::testing::tlt_binary())) GTEST_SKIP() << "the tlt executable is not built";
  }
};

TEST_F(SynthAttnCommand, HelpListsOptions) {
  const auto result = run_tlt("synth-attn --help");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("--settings"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("--config"), std::string::npos) << result.output;
}

TEST_F(SynthAttnCommand, ListPrintsEveryKey) {
  const auto result = run_tlt("synth-attn --list");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("optimizers.nag.momentum"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("plateau.threshold_mode"), std::string::npos) << result.output;
}

TEST_F(SynthAttnCommand, SmallStudyWritesFolder) {
  TempDir dir("cli");
  const auto result = run_tlt("synth-attn --settings adam,sgd+plateau --out '" + (dir / "study").string() + "'" +
                              kSmallStudy);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("setting,best_valid_loss"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("[synth]"), std::string::npos) << result.output;
  for (const char* name : {"config.yaml", "run.json", "init.pt", "adam.csv", "adam.pt", "sgd+plateau.csv",
                           "summary.csv", "synth-attn.log"}) {
    EXPECT_TRUE(fs::exists(dir / "study" / name)) << name;
  }
  EXPECT_FALSE(fs::exists(dir / "study" / "nag.csv"));
  EXPECT_NE(read_text(dir / "study" / "run.json").find("\"libtorch_version\""), std::string::npos);
}

TEST_F(SynthAttnCommand, UnknownSettingExitsWithCode2) {
  TempDir dir("cli");
  const auto result = run_tlt("synth-attn --settings sgd,rmsprop --out '" + (dir / "study").string() + "'");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("invalid setting 'rmsprop' in --settings"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("adam+plateau"), std::string::npos) << result.output;
}

TEST_F(SynthAttnCommand, NegativeLearningRateExitsWithCode2) {
  TempDir dir("cli");
  const auto result = run_tlt("synth-attn --set optimizers.adam.lr=-0.001 --out '" + (dir / "study").string() + "'");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("optimizers.adam.lr = -0.001 is out of range"), std::string::npos) << result.output;
}

TEST_F(SynthAttnCommand, InvalidPlateauOptionsExitWithCode2) {
  TempDir dir("cli");
  const auto result = run_tlt("synth-attn --set plateau.factor=1.5 --set plateau.patience=-2 --out '" +
                              (dir / "study").string() + "'");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("plateau.factor = 1.5"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("plateau.patience = -2"), std::string::npos) << result.output;

  const auto mode = run_tlt("synth-attn --set plateau.threshold_mode=relative --out '" + (dir / "study").string() + "'");
  EXPECT_EQ(mode.exit_code, 2) << mode.output;
  EXPECT_NE(mode.output.find("rel | abs"), std::string::npos) << mode.output;
}

TEST_F(SynthAttnCommand, InvalidSplitExitsWithCode2) {
  TempDir dir("cli");
  const auto result = run_tlt("synth-attn --set task.train_fraction=1.2 --out '" + (dir / "study").string() + "'");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("task.train_fraction = 1.2 is out of range"), std::string::npos) << result.output;
}

TEST_F(SynthAttnCommand, MissingConfigFileExitsWithCode2) {
  const auto result = run_tlt("synth-attn --config does-not-exist.yaml");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("does-not-exist.yaml"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace tlt::synth
