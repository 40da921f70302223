// `tlt translate` and `tlt bleu` run as a user runs them: exit codes, outputs and error messages.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

#include "decode/decode_test_support.h"
#include "support/test_support.h"

namespace tlt::decode {
namespace {

namespace fs = std::filesystem;
using testing::tiny_run;
using tlt::testing::read_text;
using tlt::testing::run_command;
using tlt::testing::run_tlt;
using tlt::testing::TempDir;
using tlt::testing::write_text;

bool contains(const std::string& text, const std::string& fragment) { return text.find(fragment) != std::string::npos; }

int count_lines(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

class Commands : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(tlt::testing::tlt_binary())) GTEST_SKIP() << "the tlt executable is not built";
  }
};

std::string join_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

TEST_F(Commands, TranslateHelpListsOptions) {
  const auto result = run_tlt("translate --help");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  for (const char* option : {"--checkpoint", "--input", "--output", "--beam", "--alpha", "--max-len-ratio",
                             "--max-len-offset", "--batch-size"}) {
    EXPECT_TRUE(contains(result.output, option)) << option << "\n" << result.output;
  }
}

TEST_F(Commands, TranslateWithoutCheckpointFails) {
  const auto result = run_tlt("translate --input x.txt");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_TRUE(contains(result.output, "--checkpoint")) << result.output;
}

TEST_F(Commands, TranslateRejectsZeroBeam) {
  const auto& run = tiny_run();
  const auto result = run_tlt("translate --checkpoint '" + run.checkpoint.string() + "' --input x.txt --beam 0");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_TRUE(contains(result.output, "--beam")) << result.output;
}

TEST_F(Commands, TranslateWritesOneLinePerInputLine) {
  const auto& run = tiny_run();
  TempDir dir("translate");
  std::vector<std::string> lines = run.source_lines;
  lines.insert(lines.begin() + 1, "");
  write_text(dir / "in.de", join_lines(lines));
  const auto result = run_tlt("translate --checkpoint '" + run.checkpoint.string() + "' --input '" +
                              (dir / "in.de").string() + "' --output '" + (dir / "out.en").string() + "' --beam 3");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string output = read_text(dir / "out.en");
  EXPECT_EQ(count_lines(output), static_cast<int>(lines.size()));

  // Standard input and output give the same translations.
  const auto piped =
      run_command("'" + tlt::testing::tlt_binary().string() + "' translate --log-level warn " + "--checkpoint '" +
                  run.checkpoint.string() + "' --input - --beam 3 < '" + (dir / "in.de").string() + "' 2>/dev/null");
  ASSERT_EQ(piped.exit_code, 0) << piped.output;
  EXPECT_EQ(piped.output, output);
}

TEST_F(Commands, TranslateEmptyInputFails) {
  const auto& run = tiny_run();
  TempDir dir("empty");
  write_text(dir / "in.de", "");
  const auto result =
      run_tlt("translate --checkpoint '" + run.checkpoint.string() + "' --input '" + (dir / "in.de").string() + "'");
  EXPECT_EQ(result.exit_code, 3) << result.output;
  EXPECT_TRUE(contains(result.output, "is empty")) << result.output;
}

TEST_F(Commands, TranslateCheckpointWithoutConfigFails) {
  const auto& run = tiny_run();
  TempDir dir("no_config");
  fs::copy_file(run.checkpoint, dir / "best.pt");
  write_text(dir / "in.de", "ein mann.\n");
  const auto result =
      run_tlt("translate --checkpoint '" + (dir / "best.pt").string() + "' --input '" + (dir / "in.de").string() + "'");
  EXPECT_EQ(result.exit_code, 3) << result.output;
  EXPECT_TRUE(contains(result.output, "config.yaml")) << result.output;
}

TEST_F(Commands, TranslateMissingCheckpointFails) {
  TempDir dir("missing_checkpoint");
  write_text(dir / "in.de", "ein mann.\n");
  const auto result = run_tlt("translate --checkpoint '" + (dir / "nothing.pt").string() + "' --input '" +
                              (dir / "in.de").string() + "'");
  EXPECT_EQ(result.exit_code, 3) << result.output;
  EXPECT_TRUE(contains(result.output, "nothing.pt' not found")) << result.output;
}

TEST_F(Commands, UnknownCommandIsNamed) {
  const auto result = run_tlt("trian --config x.yaml");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_TRUE(contains(result.output, "unknown command 'trian'")) << result.output;
  EXPECT_TRUE(contains(result.output, "train, config")) << result.output;
}

TEST_F(Commands, BleuPrintsLineAndJson) {
  TempDir dir("bleu");
  write_text(dir / "hyp.txt", "the cat sat on the mat.\na dog barked\n");
  write_text(dir / "ref.txt", "the cat sat on the mat.\na big dog barked loudly\n");
  const std::string files = "--hyp '" + (dir / "hyp.txt").string() + "' --ref '" + (dir / "ref.txt").string() + "'";

  const auto line = run_tlt("bleu " + files);
  ASSERT_EQ(line.exit_code, 0) << line.output;
  EXPECT_TRUE(contains(line.output, "BLEU = 75.66 100.0/87.5/83.3/100.0 (BP = 0.819")) << line.output;

  const auto json = run_command("'" + tlt::testing::tlt_binary().string() + "' bleu --json " + files + " 2>/dev/null");
  ASSERT_EQ(json.exit_code, 0) << json.output;
  const nlohmann::json parsed = nlohmann::json::parse(json.output);
  EXPECT_NEAR(parsed["score"].get<double>(), 75.65677161344608, 1e-9);
  EXPECT_EQ(parsed["ref_len"].get<int64_t>(), 12);
}

TEST_F(Commands, BleuMismatchedLineCountsFail) {
  TempDir dir("bleu_mismatch");
  write_text(dir / "hyp.txt", "a\nb\n");
  write_text(dir / "ref.txt", "a\n");
  const auto result =
      run_tlt("bleu --hyp '" + (dir / "hyp.txt").string() + "' --ref '" + (dir / "ref.txt").string() + "'");
  EXPECT_EQ(result.exit_code, 3) << result.output;
  EXPECT_TRUE(contains(result.output, "has 1 lines")) << result.output;
}

TEST_F(Commands, BleuRejectsUnknownSmoothing) {
  TempDir dir("bleu_smooth");
  write_text(dir / "hyp.txt", "a\n");
  const auto result = run_tlt("bleu --hyp '" + (dir / "hyp.txt").string() + "' --ref '" + (dir / "hyp.txt").string() +
                              "' --smooth floor");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_TRUE(contains(result.output, "none | exp")) << result.output;
}

}  // namespace
}  // namespace tlt::decode
