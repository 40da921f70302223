#include "tlt/decode/translator.h"

#include <gtest/gtest.h>

#include "decode/decode_test_support.h"
#include "support/test_support.h"
#include "tlt/data/prepared_data.h"
#include "tlt/util/error.h"
#include "tlt/util/file_io.h"

namespace tlt::decode {
namespace {

using testing::tiny_run;
using tlt::testing::TempDir;

/// Returns the message of the exception of type E that `action` throws; fails the test if none is thrown.
template <class E, class Action>
std::string message_of(Action action) {
  try {
    action();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception, none was thrown";
  return "";
}

bool contains(const std::string& text, const std::string& fragment) { return text.find(fragment) != std::string::npos; }

TEST(Translator, BatchingKeepsInputOrder) {
  const auto& run = tiny_run();
  Translator translator = load_translator(run.checkpoint, run.model, run.data);
  std::vector<std::string> lines = run.source_lines;
  lines.insert(lines.begin() + 3, "");
  lines.insert(lines.begin() + 5, "   ");

  DecodeOptions one_by_one;
  one_by_one.batch_size = 1;
  one_by_one.beam_size = 2;
  DecodeOptions batched = one_by_one;
  batched.batch_size = 7;
  const std::vector<std::string> expected = translator.translate(lines, one_by_one);
  const std::vector<std::string> actual = translator.translate(lines, batched);
  ASSERT_EQ(actual.size(), lines.size());
  EXPECT_EQ(actual, expected);
  EXPECT_EQ(actual[3], "");
  EXPECT_EQ(actual[5], "");
}

TEST(Translator, LineLongerThanPositionTableIsRejected) {
  const auto& run = tiny_run();
  Translator translator = load_translator(run.checkpoint, run.model, run.data);
  std::string long_line;
  for (int i = 0; i < 30; ++i) long_line += "zwei kinder ";
  const std::string message = message_of<DataError>([&] { translator.translate({"ein mann.", long_line}, {}); });
  EXPECT_TRUE(contains(message, "input line 2 has")) << message;
  EXPECT_TRUE(contains(message, "model.n_position = 64")) << message;
}

TEST(Translator, CheckpointWithoutConfigIsRejected) {
  TempDir dir("no_config");
  fs::copy_file(tiny_run().checkpoint, dir / "best.pt");
  const std::string message = message_of<CheckpointError>([&] { find_run_config(dir / "best.pt"); });
  EXPECT_TRUE(contains(message, "config.yaml")) << message;
  EXPECT_EQ(find_run_config(tiny_run().checkpoint), tiny_run().dir / "config.yaml");
}

TEST(Translator, RunConfigOfMissingCheckpoint) {
  TempDir dir("missing_checkpoint");
  const std::string message = message_of<CheckpointError>([&] { find_run_config(dir / "best.pt"); });
  EXPECT_TRUE(contains(message, "best.pt' not found")) << message;
}

TEST(Translator, SentencePieceFallsBackToDataCache) {
  const auto& run = tiny_run();
  TempDir dir("no_spm");
  const fs::path checkpoint = dir / "best.pt";
  fs::copy_file(run.checkpoint, checkpoint);
  const fs::path found = find_sentencepiece_model(checkpoint, run.data);
  EXPECT_EQ(read_file(found), read_file(run.spm_model));
}

TEST(Translator, MissingSentencePieceIsRejected) {
  const auto& run = tiny_run();
  TempDir dir("no_spm_no_cache");
  const fs::path checkpoint = dir / "best.pt";
  fs::copy_file(run.checkpoint, checkpoint);
  data::DataOptions data = run.data;
  data.dir = (dir / "missing_corpus").string();
  data.cache_dir = (dir / "cache").string();
  const std::string message = message_of<CheckpointError>([&] { load_translator(checkpoint, run.model, data); });
  EXPECT_TRUE(contains(message, "has no SentencePiece model")) << message;
  EXPECT_TRUE(contains(message, "spm.model")) << message;
}

TEST(Translator, VocabularySizeMismatchIsRejected) {
  const auto& run = tiny_run();
  TempDir dir("vocab");
  testing::write_random_checkpoint(run, dir / "best.pt", run.vocab_size + 5, 3);
  fs::copy_file(run.spm_model, dir / "spm.model");
  const std::string message =
      message_of<CheckpointError>([&] { load_translator(dir / "best.pt", run.model, run.data); });
  EXPECT_TRUE(contains(message, "has a vocabulary of " + std::to_string(run.vocab_size + 5) + " pieces")) << message;
}

TEST(Translator, CheckpointOfOtherModelIsRejected) {
  const auto& run = tiny_run();
  model::TransformerOptions wider = run.model;
  wider.d_inner = 48;
  const std::string message = message_of<CheckpointError>([&] { load_translator(run.checkpoint, wider, run.data); });
  EXPECT_TRUE(contains(message, "does not match the model")) << message;
}

TEST(Translator, MissingCheckpointIsRejected) {
  const auto& run = tiny_run();
  const std::string message =
      message_of<CheckpointError>([&] { load_translator(run.dir / "epoch_999.pt", run.model, run.data); });
  EXPECT_TRUE(contains(message, "epoch_999.pt' not found")) << message;
}

TEST(Translator, EmptyInputFileIsRejected) {
  TempDir dir("empty");
  tlt::testing::write_text(dir / "empty.txt", "");
  const std::string message = message_of<DataError>([&] { read_input_lines((dir / "empty.txt").string()); });
  EXPECT_TRUE(contains(message, "empty.txt' is empty")) << message;
}

TEST(Translator, OutputLinesAreWrittenToFile) {
  TempDir dir("output");
  write_output_lines((dir / "out.txt").string(), {"a b", "", "c"});
  EXPECT_EQ(tlt::testing::read_text(dir / "out.txt"), "a b\n\nc\n");
}

TEST(Translator, EvaluateBleuScoresDecodedCorpus) {
  const auto& run = tiny_run();
  Translator translator = load_translator(run.checkpoint, run.model, run.data);
  const data::PreparedData prepared = data::prepare_data(run.data);
  DecodeOptions options;
  options.beam_size = 1;
  const BleuScore score = evaluate_bleu(translator.model(), translator.vocabulary(), prepared.valid, options);

  // The same score from the hypotheses and references built by hand.
  std::vector<std::string> hypotheses;
  std::vector<std::string> references;
  const auto decoded = translator.translate_ids(prepared.valid.src, options);
  for (size_t i = 0; i < decoded.size(); ++i) {
    hypotheses.push_back(translator.vocabulary().decode(decoded[i]));
    references.push_back(translator.vocabulary().decode(prepared.valid.trg[i]));
  }
  const BleuScore expected = corpus_bleu(hypotheses, {references});
  EXPECT_EQ(score.statistics.matches, expected.statistics.matches);
  EXPECT_EQ(score.statistics.reference_length, expected.statistics.reference_length);
  EXPECT_GT(score.statistics.reference_length, 0);
  EXPECT_DOUBLE_EQ(score.score, expected.score);
}

}  // namespace
}  // namespace tlt::decode
