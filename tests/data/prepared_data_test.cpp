#include "tlt/data/prepared_data.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "data/data_test_support.h"
#include "support/test_support.h"
#include "tlt/util/error.h"
#include "tlt/util/file_io.h"

namespace tlt::data {
namespace {

using testing::contains;
using testing::message_of;
using tlt::testing::TempDir;

// The largest side of any pair, without bos/eos.
size_t longest_side(const ParallelCorpus& corpus) {
  size_t longest = 0;
  for (int64_t i = 0; i < corpus.size(); ++i) {
    longest = std::max({longest, corpus.src[i].size(), corpus.trg[i].size()});
  }
  return longest;
}

TEST(PrepareData, ReadsMulti30kSlice) {
  const PreparedData& data = testing::small_multi30k();
  EXPECT_EQ(data.train.size() + data.dropped_train, 2000);
  EXPECT_EQ(data.valid.size() + data.dropped_valid, 200);
  EXPECT_EQ(data.test.size(), 1000);
  EXPECT_EQ(data.vocab.size(), 500);
  EXPECT_EQ(data.cache_key.size(), 16u);
  for (const char* file : {"spm.model", "spm.vocab", "corpus.bin", "cache.json"}) {
    EXPECT_TRUE(fs::exists(fs::path(data.cache_path) / file)) << file;
  }
  EXPECT_EQ(data.train.src.size(), data.train.trg.size());
  EXPECT_EQ(data.vocab.model_path(), (fs::path(data.cache_path) / "spm.model").string());
}

TEST(PrepareData, EncodesFirstPairLikeVocabulary) {
  const PreparedData& data = testing::small_multi30k();
  const auto de = read_text_lines(tlt::testing::multi30k_dir() / "train.de.gz");
  const auto en = read_text_lines(tlt::testing::multi30k_dir() / "train.en.gz");
  const std::vector<int> src = data.vocab.encode(de[0]);
  const std::vector<int> trg = data.vocab.encode(en[0]);
  EXPECT_EQ(data.train.src[0], std::vector<int32_t>(src.begin(), src.end()));
  EXPECT_EQ(data.train.trg[0], std::vector<int32_t>(trg.begin(), trg.end()));
}

TEST(PrepareData, SecondCallHitsCache) {
  TempDir dir("cache");
  const DataOptions options = testing::small_multi30k_options(dir.path());
  const PreparedData first = prepare_data(options);
  EXPECT_FALSE(first.vocab_cache_hit);
  EXPECT_FALSE(first.corpus_cache_hit);
  const std::string model_bytes = read_file(fs::path(first.cache_path) / "spm.model");

  const PreparedData second = prepare_data(options);
  EXPECT_TRUE(second.vocab_cache_hit);
  EXPECT_TRUE(second.corpus_cache_hit);
  EXPECT_EQ(second.cache_key, first.cache_key);
  EXPECT_EQ(second.train.src, first.train.src);
  EXPECT_EQ(second.test.trg, first.test.trg);
  EXPECT_EQ(read_file(fs::path(second.cache_path) / "spm.model"), model_bytes);
}

TEST(PrepareData, TrainingIsByteIdentical) {
  TempDir first_dir("first");
  TempDir second_dir("second");
  const PreparedData first = prepare_data(testing::small_multi30k_options(first_dir.path()));
  const PreparedData second = prepare_data(testing::small_multi30k_options(second_dir.path()));
  EXPECT_EQ(first.cache_key, second.cache_key);
  EXPECT_EQ(read_file(fs::path(first.cache_path) / "spm.model"), read_file(fs::path(second.cache_path) / "spm.model"));
  EXPECT_EQ(read_file(fs::path(first.cache_path) / "corpus.bin"),
            read_file(fs::path(second.cache_path) / "corpus.bin"));
}

TEST(PrepareData, VocabSizeChangeRebuilds) {
  TempDir dir("corpus");
  DataOptions options = testing::write_synthetic_corpus(dir.path(), 60);
  const PreparedData first = prepare_data(options);
  options.vocab_size = 45;
  const PreparedData second = prepare_data(options);
  EXPECT_NE(second.cache_key, first.cache_key);
  EXPECT_FALSE(second.vocab_cache_hit);
  EXPECT_EQ(second.vocab.size(), 45);
}

TEST(PrepareData, FileChangeRebuilds) {
  TempDir dir("corpus");
  const DataOptions options = testing::write_synthetic_corpus(dir.path(), 60);
  const PreparedData first = prepare_data(options);
  tlt::testing::write_gzip_lines(dir / "val.en.gz", std::vector<std::string>(60, "a dog runs in the park"));
  const PreparedData second = prepare_data(options);
  EXPECT_NE(second.cache_key, first.cache_key);
  EXPECT_FALSE(second.vocab_cache_hit);
  EXPECT_FALSE(second.corpus_cache_hit);
}

TEST(PrepareData, PairLimitChangeRebuilds) {
  TempDir dir("corpus");
  DataOptions options = testing::write_synthetic_corpus(dir.path(), 60);
  const PreparedData first = prepare_data(options);
  options.max_train_pairs = 50;
  const PreparedData second = prepare_data(options);
  EXPECT_NE(second.cache_key, first.cache_key);
  EXPECT_EQ(second.train.size(), 50);
}

TEST(PrepareData, MaxLenChangeReusesCache) {
  TempDir dir("corpus");
  DataOptions options = testing::write_synthetic_corpus(dir.path(), 60);
  const PreparedData first = prepare_data(options);
  options.max_len = static_cast<int>(longest_side(first.train)) - 1;
  const PreparedData second = prepare_data(options);
  EXPECT_EQ(second.cache_key, first.cache_key);
  EXPECT_TRUE(second.vocab_cache_hit);
  EXPECT_TRUE(second.corpus_cache_hit);
  EXPECT_GT(second.dropped_train, 0);
}

TEST(PrepareData, MaxLenDropsLongPairs) {
  TempDir dir("cache");
  DataOptions options = testing::small_multi30k_options(dir.path());
  options.max_len = 1000;
  const PreparedData everything = prepare_data(options);
  ASSERT_EQ(everything.dropped_train, 0);

  options.max_len = 12;
  int64_t expected_train = 0;
  for (int64_t i = 0; i < everything.train.size(); ++i) {
    if (everything.train.src[i].size() > 12 || everything.train.trg[i].size() > 12) ++expected_train;
  }
  int64_t expected_valid = 0;
  for (int64_t i = 0; i < everything.valid.size(); ++i) {
    if (everything.valid.src[i].size() > 12 || everything.valid.trg[i].size() > 12) ++expected_valid;
  }
  ASSERT_GT(expected_train, 0);
  const PreparedData limited = prepare_data(options);
  EXPECT_EQ(limited.dropped_train, expected_train);
  EXPECT_EQ(limited.dropped_valid, expected_valid);
  EXPECT_EQ(limited.train.size(), 2000 - expected_train);
  EXPECT_LE(longest_side(limited.train), 12u);
  EXPECT_LE(longest_side(limited.valid), 12u);
  EXPECT_EQ(limited.test.size(), 1000);
  EXPECT_GT(longest_side(limited.test), 12u);
}

TEST(PrepareData, TruncatedCorpusFileIsRebuilt) {
  TempDir dir("corpus");
  const DataOptions options = testing::write_synthetic_corpus(dir.path(), 60);
  const PreparedData first = prepare_data(options);
  const fs::path corpus_file = fs::path(first.cache_path) / "corpus.bin";
  const std::string bytes = read_file(corpus_file);
  tlt::testing::write_text(corpus_file, bytes.substr(0, bytes.size() / 2));

  const PreparedData second = prepare_data(options);
  EXPECT_TRUE(second.vocab_cache_hit);
  EXPECT_FALSE(second.corpus_cache_hit);
  EXPECT_EQ(second.train.src, first.train.src);
  EXPECT_EQ(read_file(corpus_file), bytes);
}

TEST(PrepareData, CorruptCorpusFileIsRebuilt) {
  TempDir dir("corpus");
  const DataOptions options = testing::write_synthetic_corpus(dir.path(), 60);
  const PreparedData first = prepare_data(options);
  const fs::path corpus_file = fs::path(first.cache_path) / "corpus.bin";
  std::string bytes = read_file(corpus_file);
  bytes[bytes.size() - 3] ^= 0x5A;
  tlt::testing::write_text(corpus_file, bytes);

  const PreparedData second = prepare_data(options);
  EXPECT_FALSE(second.corpus_cache_hit);
  EXPECT_EQ(second.valid.trg, first.valid.trg);
}

TEST(PrepareData, CorruptModelIsRetrained) {
  TempDir dir("corpus");
  const DataOptions options = testing::write_synthetic_corpus(dir.path(), 60);
  const PreparedData first = prepare_data(options);
  const fs::path model_file = fs::path(first.cache_path) / "spm.model";
  const std::string bytes = read_file(model_file);
  tlt::testing::write_text(model_file, "not a model");

  const PreparedData second = prepare_data(options);
  EXPECT_FALSE(second.vocab_cache_hit);
  EXPECT_EQ(read_file(model_file), bytes);
  // Retraining gives the same bytes, so the corpus encoded with the first model stays valid.
  EXPECT_TRUE(second.corpus_cache_hit);
}

TEST(PrepareData, CacheDescriptionListsInputs) {
  const PreparedData& data = testing::small_multi30k();
  const auto description = nlohmann::json::parse(read_file(fs::path(data.cache_path) / "cache.json"));
  EXPECT_EQ(description["key"], data.cache_key);
  EXPECT_EQ(description["inputs"]["vocab_size"], 500);
  EXPECT_EQ(description["inputs"]["max_train_pairs"], 2000);
  EXPECT_EQ(description["inputs"]["sentencepiece_flags"]["model_type"], "bpe");
  ASSERT_EQ(description["inputs"]["files"].size(), 6u);
  EXPECT_EQ(description["inputs"]["files"][0]["name"], "train.de.gz");
  EXPECT_EQ(description["inputs"]["files"][5]["name"], "test_2016_flickr.en.gz");
  EXPECT_EQ(description["pairs"]["train"], 2000);
  // The key is the hash of the described inputs, so the file documents exactly what was hashed.
  EXPECT_EQ(to_hex(fnv1a_64(description["inputs"].dump())), data.cache_key);
}

TEST(PrepareData, VocabFileListsEveryPiece) {
  const PreparedData& data = testing::small_multi30k();
  const std::vector<std::string> lines = read_text_lines(fs::path(data.cache_path) / "spm.vocab");
  ASSERT_EQ(lines.size(), 500u);
  EXPECT_EQ(lines[0], "<pad>\t0");
  EXPECT_EQ(lines[1], "<s>\t0");
  EXPECT_EQ(lines[2], "</s>\t0");
  EXPECT_EQ(lines[3], "<unk>\t0");
  EXPECT_EQ(lines[5], data.vocab.id_to_piece(5) + "\t-1");
}

// Run only as a child process of ConcurrentProcessesShareCache, which sets TLT_TEST_DATA_CACHE_DIR.
TEST(PrepareDataChild, DISABLED_PrepareIntoSharedCache) {
  const char* cache_dir = std::getenv("TLT_TEST_DATA_CACHE_DIR");
  ASSERT_NE(cache_dir, nullptr);
  const PreparedData data = prepare_data(testing::small_multi30k_options(cache_dir));
  EXPECT_EQ(data.train.size() + data.dropped_train, 2000);
}

TEST(PrepareData, ConcurrentProcessesShareCache) {
  TempDir dir("cache");
  const std::string child = "TLT_TEST_DATA_CACHE_DIR='" + dir.path().string() + "' '" +
                            fs::read_symlink("/proc/self/exe").string() +
                            "' --gtest_also_run_disabled_tests --gtest_filter=PrepareDataChild.*";
  // Both children start from an empty cache, so both train and write the same files at the same time.
  const auto result = tlt::testing::run_command("(" + child + " > '" + (dir / "first.log").string() +
                                                "' 2>&1 & first=$!; " + child + " > '" + (dir / "second.log").string() +
                                                "' 2>&1 & second=$!; wait $first && wait $second)");
  ASSERT_EQ(result.exit_code, 0) << tlt::testing::read_text(dir / "first.log")
                                 << tlt::testing::read_text(dir / "second.log");

  const PreparedData data = prepare_data(testing::small_multi30k_options(dir.path()));
  EXPECT_TRUE(data.vocab_cache_hit);
  EXPECT_TRUE(data.corpus_cache_hit);
  EXPECT_EQ(data.train.src, testing::small_multi30k().train.src);
  for (const auto& entry : fs::directory_iterator(data.cache_path)) {
    EXPECT_FALSE(contains(entry.path().filename().string(), ".tmp.")) << entry.path();
  }
}

// ---- bad input ----

TEST(PrepareDataErrors, MissingFileNamesPathAndScript) {
  TempDir dir("corpus");
  const DataOptions options = testing::write_synthetic_corpus(dir.path(), 10);
  fs::remove(dir / "val.en.gz");
  const std::string message = message_of<DataError>([&] { prepare_data(options); });
  EXPECT_TRUE(contains(message, (dir / "val.en.gz").string())) << message;
  EXPECT_TRUE(contains(message, "scripts/fetch_multi30k.sh")) << message;
  EXPECT_FALSE(contains(message, "train.de.gz")) << message;
}

TEST(PrepareDataErrors, TruncatedGzipIsRejected) {
  TempDir dir("corpus");
  const DataOptions options = testing::write_synthetic_corpus(dir.path(), 200);
  const std::string bytes = read_file(dir / "train.de.gz");
  tlt::testing::write_text(dir / "train.de.gz", bytes.substr(0, bytes.size() - 20));
  const std::string message = message_of<DataError>([&] { prepare_data(options); });
  EXPECT_TRUE(contains(message, (dir / "train.de.gz").string())) << message;
  EXPECT_TRUE(contains(message, "truncated")) << message;
}

TEST(PrepareDataErrors, LineCountMismatchGivesBothCounts) {
  TempDir dir("corpus");
  const DataOptions options = testing::write_synthetic_corpus(dir.path(), 10);
  tlt::testing::write_gzip_lines(dir / "train.en.gz", std::vector<std::string>(9, "a man"));
  const std::string message = message_of<DataError>([&] { prepare_data(options); });
  EXPECT_TRUE(contains(message, (dir / "train.de.gz").string() + "' has 10 lines")) << message;
  EXPECT_TRUE(contains(message, (dir / "train.en.gz").string() + "' has 9")) << message;
}

TEST(PrepareDataErrors, EmptySplitIsRejected) {
  TempDir dir("corpus");
  const DataOptions options = testing::write_synthetic_corpus(dir.path(), 10);
  tlt::testing::write_gzip_lines(dir / "val.de.gz", {});
  tlt::testing::write_gzip_lines(dir / "val.en.gz", {});
  const std::string message = message_of<DataError>([&] { prepare_data(options); });
  EXPECT_TRUE(contains(message, "val.{de,en}.gz")) << message;
  EXPECT_TRUE(contains(message, "no sentences")) << message;
}

TEST(PrepareDataErrors, InvalidUtf8GivesLineNumber) {
  TempDir dir("corpus");
  const DataOptions options = testing::write_synthetic_corpus(dir.path(), 10);
  tlt::testing::write_gzip_lines(dir / "test_2016_flickr.de.gz", {"ein mann", "eine frau", "ein hund \xC3\x28 im park",
                                                                  "ein", "ein", "ein", "ein", "ein", "ein", "ein"});
  const std::string message = message_of<DataError>([&] { prepare_data(options); });
  EXPECT_TRUE(contains(message, "test_2016_flickr.de.gz' line 3")) << message;
  EXPECT_TRUE(contains(message, "UTF-8")) << message;
}

TEST(PrepareDataErrors, VocabSizeTooLargeIsTranslated) {
  TempDir dir("corpus");
  DataOptions options = testing::write_synthetic_corpus(dir.path(), 20);
  options.vocab_size = 5000;
  const std::string message = message_of<DataError>([&] { prepare_data(options); });
  EXPECT_TRUE(contains(message, "data.vocab_size = 5000 is too large")) << message;
  EXPECT_TRUE(contains(message, "or less")) << message;
  EXPECT_FALSE(contains(message, ".cc(")) << message;
}

TEST(PrepareDataErrors, VocabSizeTooSmallIsTranslated) {
  TempDir dir("corpus");
  DataOptions options = testing::write_synthetic_corpus(dir.path(), 20);
  options.vocab_size = 8;
  const std::string message = message_of<DataError>([&] { prepare_data(options); });
  EXPECT_TRUE(contains(message, "data.vocab_size = 8 is too small")) << message;
  EXPECT_TRUE(contains(message, "or more")) << message;
}

TEST(PrepareDataErrors, InvalidOptionsAreListedTogether) {
  DataOptions options;
  options.max_len = 0;
  options.batch_size = 0;
  options.trg_lang = "de";
  const std::string message = message_of<ConfigError>([&] { prepare_data(options); });
  EXPECT_TRUE(contains(message, "data.max_len = 0")) << message;
  EXPECT_TRUE(contains(message, "data.batch_size = 0")) << message;
  EXPECT_TRUE(contains(message, "data.src_lang and data.trg_lang are both 'de'")) << message;
}

TEST(PrepareDataErrors, NoPairWithinMaxLen) {
  TempDir dir("corpus");
  DataOptions options = testing::write_synthetic_corpus(dir.path(), 20);
  options.max_len = 1;
  const std::string message = message_of<DataError>([&] { prepare_data(options); });
  EXPECT_TRUE(contains(message, "data.max_len = 1")) << message;
}

}  // namespace
}  // namespace tlt::data
