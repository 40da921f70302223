#include "tlt/data/vocabulary.h"

#include <gtest/gtest.h>

#include "data/data_test_support.h"
#include "data/sentencepiece_library.h"
#include "support/test_support.h"
#include "tlt/util/error.h"
#include "tlt/util/file_io.h"

namespace tlt::data {
namespace {

using testing::contains;
using testing::message_of;
using tlt::testing::TempDir;

TEST(Vocabulary, SpecialIdsAreFixed) {
  const Vocabulary& vocab = testing::small_multi30k().vocab;
  EXPECT_EQ(vocab.pad_id(), 0);
  EXPECT_EQ(vocab.bos_id(), 1);
  EXPECT_EQ(vocab.eos_id(), 2);
  EXPECT_EQ(vocab.unk_id(), 3);
  EXPECT_EQ(vocab.id_to_piece(0), "<pad>");
  EXPECT_EQ(vocab.id_to_piece(1), "<s>");
  EXPECT_EQ(vocab.id_to_piece(2), "</s>");
  EXPECT_EQ(vocab.id_to_piece(3), "<unk>");
}

TEST(Vocabulary, EncodeAddsNoSpecialIds) {
  const Vocabulary& vocab = testing::small_multi30k().vocab;
  const std::vector<int> ids = vocab.encode("Zwei junge Männer stehen draußen.");
  ASSERT_FALSE(ids.empty());
  for (const int id : ids) {
    EXPECT_GT(id, vocab.unk_id());
    EXPECT_LT(id, vocab.size());
  }
  EXPECT_TRUE(vocab.encode("").empty());
}

TEST(Vocabulary, RoundTripsValidationSentences) {
  const Vocabulary& vocab = testing::small_multi30k().vocab;
  for (const char* file : {"val.de.gz", "val.en.gz"}) {
    const std::vector<std::string> lines = read_text_lines(tlt::testing::multi30k_dir() / file);
    for (size_t i = 0; i < lines.size(); ++i) {
      // SentencePiece's nmt_nfkc normalisation turns the no-break spaces (U+00A0) of a few Multi30k lines
      // into spaces and drops trailing spaces. The rest of the text comes back unchanged.
      std::string expected = lines[i];
      for (size_t at = expected.find("\xC2\xA0"); at != std::string::npos; at = expected.find("\xC2\xA0", at)) {
        expected.replace(at, 2, " ");
      }
      while (!expected.empty() && expected.back() == ' ') expected.pop_back();
      EXPECT_EQ(vocab.decode(vocab.encode(lines[i])), expected) << file << " line " << i + 1;
    }
  }
}

TEST(Vocabulary, DecodeSkipsPadBosEos) {
  const Vocabulary& vocab = testing::small_multi30k().vocab;
  std::vector<int> ids = vocab.encode("Ein Hund rennt.");
  const std::string plain = vocab.decode(ids);
  ids.insert(ids.begin(), vocab.bos_id());
  ids.push_back(vocab.eos_id());
  ids.push_back(vocab.pad_id());
  ids.push_back(vocab.pad_id());
  EXPECT_EQ(vocab.decode(ids), plain);
  EXPECT_EQ(plain, "Ein Hund rennt.");
}

TEST(Vocabulary, UnknownCharacterBecomesUnk) {
  const Vocabulary& vocab = testing::small_multi30k().vocab;
  const std::vector<int> ids = vocab.encode("\xE2\x98\x83");  // U+2603 SNOWMAN, absent from Multi30k
  EXPECT_NE(std::find(ids.begin(), ids.end(), vocab.unk_id()), ids.end());
}

TEST(Vocabulary, CopiesShareTheModel) {
  Vocabulary copy = testing::small_multi30k().vocab;
  {
    const Vocabulary second = Vocabulary::load(copy.model_path());
    EXPECT_EQ(second.encode("Ein Hund"), copy.encode("Ein Hund"));
  }
  EXPECT_EQ(copy.decode(copy.encode("Ein Hund")), "Ein Hund");
}

TEST(Vocabulary, DecodeRejectsIdOutsideVocabulary) {
  const Vocabulary& vocab = testing::small_multi30k().vocab;
  const std::string message = message_of<DataError>([&] { vocab.decode({5, 500}); });
  EXPECT_TRUE(contains(message, "token id 500")) << message;
  EXPECT_TRUE(contains(message, "500 pieces")) << message;
  message_of<DataError>([&] { vocab.decode({-1}); });
}

TEST(Vocabulary, EmptyVocabularyRejectsUse) {
  const Vocabulary empty;
  EXPECT_EQ(empty.size(), 0);
  EXPECT_EQ(empty.pad_id(), 0);
  EXPECT_THROW(empty.encode("a"), std::logic_error);
}

TEST(VocabularyErrors, MissingModelFile) {
  const std::string message = message_of<DataError>([] { Vocabulary::load("no/such/spm.model"); });
  EXPECT_TRUE(contains(message, "'no/such/spm.model' not found")) << message;
}

TEST(VocabularyErrors, GarbageModelFile) {
  TempDir dir("model");
  tlt::testing::write_text(dir / "spm.model", "this is not a protobuf");
  const std::string message = message_of<DataError>([&] { Vocabulary::load((dir / "spm.model").string()); });
  EXPECT_TRUE(contains(message, "is not a valid SentencePiece model")) << message;
}

TEST(SentencePieceModule, FoundBesideExecutable) {
  if (std::getenv("TLT_SENTENCEPIECE_MODULE")) GTEST_SKIP() << "TLT_SENTENCEPIECE_MODULE overrides the search";
  // The build tree has build/tests/tlt_tests and build/apps/tlt, with the module in build/src, so the
  // first existing candidate is the one found through /proc/self/exe, not the compiled-in fallback.
  const fs::path expected =
      (fs::read_symlink("/proc/self/exe").parent_path() / ".." / "src" / "libtlt_sentencepiece.so").lexically_normal();
  const std::vector<fs::path> candidates = sentencepiece_module_candidates();
  const auto first_existing =
      std::find_if(candidates.begin(), candidates.end(), [](const fs::path& path) { return fs::exists(path); });
  ASSERT_NE(first_existing, candidates.end());
  EXPECT_EQ(*first_existing, expected);
}

TEST(SentencePieceModule, MissingModuleNamesPathAndReason) {
  const std::string message =
      message_of<DataError>([] { open_sentencepiece_module("/no/such/folder/libtlt_sentencepiece.so"); });
  EXPECT_TRUE(contains(message, "/no/such/folder/libtlt_sentencepiece.so")) << message;
  EXPECT_TRUE(contains(message, "No such file")) << message;
  EXPECT_TRUE(contains(message, "TLT_SENTENCEPIECE_MODULE")) << message;
}

TEST(SentencePieceModule, NonModuleFileIsRejected) {
  TempDir dir("module");
  tlt::testing::write_text(dir / "libfake.so", "not an ELF file");
  const std::string message = message_of<DataError>([&] { open_sentencepiece_module(dir / "libfake.so"); });
  EXPECT_TRUE(contains(message, "libfake.so")) << message;
}

}  // namespace
}  // namespace tlt::data
