#include "tlt/data/data_options.h"

#include <gtest/gtest.h>

#include "data/data_test_support.h"
#include "tlt/util/error.h"

namespace tlt::data {
namespace {

using testing::contains;
using testing::message_of;

TEST(DataOptions, YamlSetsEveryField) {
  DataOptions options;
  config::Schema schema;
  bind(schema, "data.", options);
  schema.load_yaml_text(
      "data:\n  dir: corpus\n  src_lang: en\n  trg_lang: de\n  train_split: tr\n  valid_split: va\n"
      "  test_split: te\n  max_train_pairs: 100\n  max_valid_pairs: 10\n  vocab_size: 600\n  cache_dir: c\n"
      "  max_len: 50\n  batch_unit: tokens\n  batch_size: 4096\n",
      "data.yaml");
  EXPECT_EQ(options.dir, "corpus");
  EXPECT_EQ(options.src_lang, "en");
  EXPECT_EQ(options.trg_lang, "de");
  EXPECT_EQ(options.train_split, "tr");
  EXPECT_EQ(options.valid_split, "va");
  EXPECT_EQ(options.test_split, "te");
  EXPECT_EQ(options.max_train_pairs, 100);
  EXPECT_EQ(options.max_valid_pairs, 10);
  EXPECT_EQ(options.vocab_size, 600);
  EXPECT_EQ(options.cache_dir, "c");
  EXPECT_EQ(options.max_len, 50);
  EXPECT_EQ(options.batch_unit, BatchUnit::kTokens);
  EXPECT_EQ(options.batch_size, 4096);
  EXPECT_TRUE(validate(options).empty());
}

TEST(DataOptions, DefaultsAreValid) {
  DataOptions options;
  config::Schema schema;
  bind(schema, "data.", options);
  EXPECT_NO_THROW(schema.validate(validate(options)));
}

TEST(DataOptions, RangeChecksNameKeys) {
  DataOptions options;
  config::Schema schema;
  bind(schema, "data.", options);
  schema.apply_override("data.max_len=0");
  schema.apply_override("data.batch_size=0");
  schema.apply_override("data.max_train_pairs=-1");
  const std::string message = message_of<ConfigError>([&] { schema.validate(validate(options)); });
  EXPECT_TRUE(contains(message, "data.max_len = 0")) << message;
  EXPECT_TRUE(contains(message, "data.batch_size = 0")) << message;
  EXPECT_TRUE(contains(message, "data.max_train_pairs = -1")) << message;
}

TEST(DataOptions, InvalidBatchUnitListsChoices) {
  DataOptions options;
  config::Schema schema;
  bind(schema, "data.", options);
  const std::string message = message_of<ConfigError>([&] { schema.apply_override("data.batch_unit=words"); });
  EXPECT_TRUE(contains(message, "'words'")) << message;
  EXPECT_TRUE(contains(message, "sentences | tokens")) << message;
}

TEST(DataOptions, TokenBatchMustHoldLongestPair) {
  DataOptions options;
  options.batch_unit = BatchUnit::kTokens;
  options.max_len = 100;
  options.batch_size = 101;
  const std::vector<std::string> violations = validate(options);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_TRUE(contains(violations[0], "at least 102")) << violations[0];
  options.batch_size = 102;
  EXPECT_TRUE(validate(options).empty());
}

TEST(DataOptions, SameLanguagesAndEmptyNamesAreReported) {
  DataOptions options;
  options.trg_lang = "de";
  options.dir = "";
  const std::vector<std::string> violations = validate(options);
  ASSERT_EQ(violations.size(), 2u);
  EXPECT_TRUE(contains(violations[0], "data.dir is empty")) << violations[0];
  EXPECT_TRUE(contains(violations[1], "both 'de'")) << violations[1];
}

}  // namespace
}  // namespace tlt::data
