#include "tlt/data/data_options.h"

namespace tlt::data {

const std::vector<std::pair<std::string, BatchUnit>>& batch_unit_names() {
  static const std::vector<std::pair<std::string, BatchUnit>> names = {{"sentences", BatchUnit::kSentences},
                                                                       {"tokens", BatchUnit::kTokens}};
  return names;
}

void bind(config::Schema& schema, const std::string& prefix, DataOptions& options) {
  schema.field(prefix + "dir", options.dir, "folder with the Multi30k files SPLIT.LANG.gz");
  schema.field(prefix + "src_lang", options.src_lang, "source language, the LANG of the source files");
  schema.field(prefix + "trg_lang", options.trg_lang, "target language, the LANG of the target files");
  schema.field(prefix + "train_split", options.train_split, "training split, the SPLIT of its files");
  schema.field(prefix + "valid_split", options.valid_split, "validation split, the SPLIT of its files");
  schema.field(prefix + "test_split", options.test_split, "test split, the SPLIT of its files");
  schema
      .field(prefix + "max_train_pairs", options.max_train_pairs,
             "use only the first N training pairs; 0 uses all of them")
      .min(0);
  schema
      .field(prefix + "max_valid_pairs", options.max_valid_pairs,
             "use only the first N validation pairs; 0 uses all of them")
      .min(0);
  schema
      .field(prefix + "vocab_size", options.vocab_size,
             "pieces in the shared SentencePiece BPE vocabulary, the 4 special ones included")
      .min(5);
  schema.field(prefix + "cache_dir", options.cache_dir, "folder for cached SentencePiece models and encoded corpora");
  schema
      .field(prefix + "max_len", options.max_len,
             "drop training and validation pairs with more tokens than this on either side (bos/eos excluded)")
      .min(1);
  schema.choice(prefix + "batch_unit", options.batch_unit, batch_unit_names(),
                "unit of batch_size: sentences (pairs) or tokens (padded target tokens)");
  schema
      .field(prefix + "batch_size", options.batch_size,
             "pairs per batch, or max padded target tokens per batch when batch_unit is tokens")
      .min(1);
}

std::vector<std::string> validate(const DataOptions& options) {
  std::vector<std::string> violations;

  const std::pair<const char*, const std::string*> required[] = {{"data.dir", &options.dir},
                                                                 {"data.src_lang", &options.src_lang},
                                                                 {"data.trg_lang", &options.trg_lang},
                                                                 {"data.train_split", &options.train_split},
                                                                 {"data.valid_split", &options.valid_split},
                                                                 {"data.test_split", &options.test_split},
                                                                 {"data.cache_dir", &options.cache_dir}};
  for (const auto& [key, value] : required) {
    if (value->empty()) violations.push_back(std::string(key) + " is empty; set it to a non-empty value");
  }

  if (!options.src_lang.empty() && options.src_lang == options.trg_lang) {
    violations.push_back("data.src_lang and data.trg_lang are both '" + options.src_lang +
                         "'; set them to two different languages");
  }

  // The longest target kept has max_len tokens plus bos and eos. A token limit below that would put such
  // a pair in a batch of its own, over the limit.
  if (options.batch_unit == BatchUnit::kTokens && options.batch_size < int64_t{options.max_len} + 2) {
    violations.push_back("data.batch_size = " + std::to_string(options.batch_size) +
                         " tokens cannot hold one target of data.max_len = " + std::to_string(options.max_len) +
                         " tokens plus bos and eos; set data.batch_size to at least " +
                         std::to_string(int64_t{options.max_len} + 2));
  }
  return violations;
}

}  // namespace tlt::data
