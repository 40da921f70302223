#include "data/corpus_file.h"

#include <gtest/gtest.h>

#include "data/data_test_support.h"
#include "tlt/util/error.h"

namespace tlt::data {
namespace {

using testing::contains;
using testing::message_of;

EncodedSplits sample_splits(int32_t largest_id) {
  EncodedSplits splits;
  splits.train.src = {{4, 5, 6}, {}, {largest_id}};
  splits.train.trg = {{7}, {8, 9}, {10, 11, 12, 13}};
  splits.valid.src = {{14}};
  splits.valid.trg = {{15, largest_id}};
  splits.test.src = {{16, 17}};
  splits.test.trg = {{18}};
  return splits;
}

void expect_same(const EncodedSplits& actual, const EncodedSplits& expected) {
  EXPECT_EQ(actual.train.src, expected.train.src);
  EXPECT_EQ(actual.train.trg, expected.train.trg);
  EXPECT_EQ(actual.valid.src, expected.valid.src);
  EXPECT_EQ(actual.valid.trg, expected.valid.trg);
  EXPECT_EQ(actual.test.src, expected.test.src);
  EXPECT_EQ(actual.test.trg, expected.test.trg);
}

TEST(CorpusFile, RoundTripsTwoByteIds) {
  const EncodedSplits splits = sample_splits(499);
  const std::string bytes = serialize_corpus(splits, 0x1234, 500);
  // 48 header bytes, 8 per split for the pair count, 8 per pair for its two lengths and 2 for each of 17 ids.
  EXPECT_EQ(bytes.size(), 48u + 3 * 8 + 8 * (3 + 1 + 1) + 2 * 17);
  expect_same(parse_corpus(bytes, 0x1234, 500), splits);
}

TEST(CorpusFile, RoundTripsFourByteIds) {
  const EncodedSplits splits = sample_splits(69999);
  expect_same(parse_corpus(serialize_corpus(splits, 7, 70000), 7, 70000), splits);
}

TEST(CorpusFile, TruncationIsDetected) {
  const std::string bytes = serialize_corpus(sample_splits(99), 1, 100);
  for (const size_t size : {size_t{0}, size_t{20}, size_t{48}, bytes.size() - 1}) {
    const std::string message = message_of<DataError>([&] { parse_corpus(bytes.substr(0, size), 1, 100); });
    EXPECT_TRUE(contains(message, "truncated")) << size << ": " << message;
  }
}

TEST(CorpusFile, ChangedByteIsDetected) {
  std::string bytes = serialize_corpus(sample_splits(99), 1, 100);
  bytes[60] ^= 1;
  const std::string message = message_of<DataError>([&] { parse_corpus(bytes, 1, 100); });
  EXPECT_TRUE(contains(message, "checksum")) << message;
}

TEST(CorpusFile, OtherModelIsDetected) {
  const std::string bytes = serialize_corpus(sample_splits(99), 1, 100);
  EXPECT_TRUE(contains(message_of<DataError>([&] { parse_corpus(bytes, 2, 100); }), "another SentencePiece model"));
  EXPECT_TRUE(contains(message_of<DataError>([&] { parse_corpus(bytes, 1, 200); }), "another SentencePiece model"));
}

TEST(CorpusFile, OtherVersionIsDetected) {
  std::string bytes = serialize_corpus(sample_splits(99), 1, 100);
  bytes[8] = static_cast<char>(kCorpusFormatVersion + 1);
  const std::string message = message_of<DataError>([&] { parse_corpus(bytes, 1, 100); });
  EXPECT_TRUE(contains(message, "format version")) << message;
}

TEST(CorpusFile, OtherMagicIsDetected) {
  std::string bytes = serialize_corpus(sample_splits(99), 1, 100);
  bytes[0] = 'X';
  EXPECT_TRUE(contains(message_of<DataError>([&] { parse_corpus(bytes, 1, 100); }), "magic"));
}

TEST(CorpusFile, IdOutsideVocabularyIsDetected) {
  const std::string bytes = serialize_corpus(sample_splits(100), 1, 100);
  const std::string message = message_of<DataError>([&] { parse_corpus(bytes, 1, 100); });
  EXPECT_TRUE(contains(message, "token id 100")) << message;
}

}  // namespace
}  // namespace tlt::data
