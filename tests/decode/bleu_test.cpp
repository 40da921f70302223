#include "tlt/decode/bleu.h"

#include <gtest/gtest.h>

#include <cmath>

#include "support/test_support.h"
#include "tlt/util/error.h"

namespace tlt::decode {
namespace {

using tlt::testing::TempDir;

TEST(Bleu, IdenticalCorpusScores100) {
  const std::vector<std::string> sentences = {"Two young men are outside.", "A dog runs in the park, fast!"};
  const BleuScore score = corpus_bleu(sentences, {sentences});
  EXPECT_NEAR(score.score, 100.0, 1e-9);
  EXPECT_DOUBLE_EQ(score.brevity_penalty, 1.0);
  for (double precision : score.precisions) EXPECT_NEAR(precision, 100.0, 1e-12);
}

TEST(Bleu, NoFourGramMatchScoresZeroWithoutSmoothing) {
  // Hypothesis "the cat sat on the mat", reference "the cat is on the mat": matches 5/6, 3/5, 1/4 and
  // 0/3 n-grams of orders 1 to 4.
  const BleuScore score = corpus_bleu({"the cat sat on the mat"}, {{"the cat is on the mat"}});
  EXPECT_EQ(score.statistics.matches, (std::array<int64_t, 4>{5, 3, 1, 0}));
  EXPECT_EQ(score.statistics.totals, (std::array<int64_t, 4>{6, 5, 4, 3}));
  EXPECT_EQ(score.score, 0.0);
  EXPECT_NEAR(score.precisions[0], 100.0 * 5 / 6, 1e-12);
  EXPECT_EQ(score.precisions[3], 0.0);
}

TEST(Bleu, ExpSmoothingReplacesZeroPrecision) {
  // The first order without a match gets 1 / (2 * 3): BLEU = 100 * (5/6 * 3/5 * 1/4 * 1/6)^(1/4)
  // = 100 * 48^(-1/4) = 37.9918.
  const BleuScore score = corpus_bleu({"the cat sat on the mat"}, {{"the cat is on the mat"}}, BleuSmoothing::kExp);
  EXPECT_NEAR(score.precisions[3], 100.0 / 6.0, 1e-12);
  EXPECT_NEAR(score.score, 100.0 * std::pow(48.0, -0.25), 1e-9);
  EXPECT_NEAR(score.score, 37.99178428257963, 1e-9);
}

TEST(Bleu, KnownCorpusWithBrevityPenalty) {
  // Sentence 1 is identical (7 tokens with the split "."): 7/7, 6/6, 5/5, 4/4 n-grams match.
  // Sentence 2, "a dog barked" against "a big dog barked loudly": unigrams 3/3, bigrams 1/2
  // ("dog barked"), trigrams 0/1, no 4-gram. Corpus: p = 10/10, 7/8, 5/6, 4/4; c = 10, r = 12;
  // BP = exp(1 - 12/10) = 0.818731; BLEU = 100 * BP * (7/8 * 5/6)^(1/4) = 75.656772.
  const BleuScore score = corpus_bleu({"the cat sat on the mat.", "a dog barked"},
                                      {{"the cat sat on the mat.", "a big dog barked loudly"}});
  EXPECT_EQ(score.statistics.matches, (std::array<int64_t, 4>{10, 7, 5, 4}));
  EXPECT_EQ(score.statistics.totals, (std::array<int64_t, 4>{10, 8, 6, 4}));
  EXPECT_EQ(score.statistics.hypothesis_length, 10);
  EXPECT_EQ(score.statistics.reference_length, 12);
  EXPECT_NEAR(score.brevity_penalty, std::exp(-0.2), 1e-12);
  EXPECT_NEAR(score.length_ratio, 10.0 / 12.0, 1e-12);
  EXPECT_NEAR(score.score, 75.65677161344608, 1e-9);
  EXPECT_EQ(format_bleu(score),
            "BLEU = 75.66 100.0/87.5/83.3/100.0 (BP = 0.819 ratio = 0.833 hyp_len = 10 ref_len = 12) | "
            "nrefs:1 tok:13a smooth:none");
}

TEST(Bleu, CountsAreClippedByReference) {
  const BleuStatistics statistics = sentence_statistics("the the the the", {"the cat"});
  EXPECT_EQ(statistics.matches[0], 1);
  EXPECT_EQ(statistics.totals[0], 4);
}

TEST(Bleu, ClosestReferenceLengthPrefersShorterOnTie) {
  // 5 hypothesis tokens; references of 3 and 7 tokens are both 2 away.
  const BleuStatistics statistics = sentence_statistics("a b c d e", {"a b c d e f g", "a b c"});
  EXPECT_EQ(statistics.reference_length, 3);
  // Clipping takes the largest count over the references: every unigram appears in the first one.
  EXPECT_EQ(statistics.matches[0], 5);
}

TEST(Bleu, EmptyHypothesesScoreZero) {
  const BleuScore score = corpus_bleu({""}, {{"a reference"}});
  EXPECT_EQ(score.score, 0.0);
  EXPECT_EQ(score.brevity_penalty, 0.0);
  EXPECT_EQ(score.statistics.hypothesis_length, 0);
}

TEST(Bleu, TrailingWhitespaceIsTrimmedBeforeTokenizing) {
  // Without the trim, the 13a rule that joins "-\n" would turn "word-" into "word".
  const BleuScore score = corpus_bleu({"a b c d word-\n"}, {{"a b c d word-"}});
  EXPECT_NEAR(score.score, 100.0, 1e-9);
}

TEST(Bleu, JsonHasEveryField) {
  const BleuScore score = corpus_bleu({"the cat sat on the mat"}, {{"the cat is on the mat"}}, BleuSmoothing::kExp);
  const nlohmann::json json = bleu_to_json(score);
  EXPECT_NEAR(json["score"].get<double>(), score.score, 1e-12);
  EXPECT_EQ(json["precisions"].size(), 4u);
  EXPECT_EQ(json["hyp_len"].get<int64_t>(), 6);
  EXPECT_EQ(json["ref_len"].get<int64_t>(), 6);
  EXPECT_EQ(json["smooth"].get<std::string>(), "exp");
  EXPECT_EQ(json["tokenize"].get<std::string>(), "13a");
}

TEST(Bleu, MismatchedStreamIsRejected) {
  try {
    corpus_bleu({"a", "b"}, {{"a"}});
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("1 lines but there are 2 hypotheses"), std::string::npos) << e.what();
  }
}

TEST(Bleu, FilesWithDifferentLineCountsAreRejected) {
  TempDir dir("bleu");
  tlt::testing::write_text(dir / "hyp.txt", "a b c\nd e f\n");
  tlt::testing::write_text(dir / "ref.txt", "a b c\n");
  try {
    corpus_bleu_of_files(dir / "hyp.txt", {dir / "ref.txt"});
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("ref.txt' has 1 lines"), std::string::npos) << message;
    EXPECT_NE(message.find("hyp.txt' has 2"), std::string::npos) << message;
  }
}

TEST(Bleu, EmptyHypothesisFileIsRejected) {
  TempDir dir("bleu");
  tlt::testing::write_text(dir / "hyp.txt", "");
  tlt::testing::write_text(dir / "ref.txt", "a b c\n");
  try {
    corpus_bleu_of_files(dir / "hyp.txt", {dir / "ref.txt"});
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("is empty"), std::string::npos) << e.what();
  }
}

TEST(Bleu, FilesScoreLikeStrings) {
  TempDir dir("bleu");
  tlt::testing::write_text(dir / "hyp.txt", "the cat sat on the mat.\na dog barked\n");
  tlt::testing::write_gzip_lines(dir / "ref.txt.gz", {"the cat sat on the mat.", "a big dog barked loudly"});
  const BleuScore score = corpus_bleu_of_files(dir / "hyp.txt", {dir / "ref.txt.gz"});
  EXPECT_NEAR(score.score, 75.65677161344608, 1e-9);
}

}  // namespace
}  // namespace tlt::decode
