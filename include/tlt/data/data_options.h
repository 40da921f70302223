// Options of the data layer: which Multi30k files to read, the shared SentencePiece vocabulary, the cache
// and the batching. Bound to the YAML section "data".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tlt/config/schema.h"

namespace tlt::data {

/// Unit of data.batch_size in make_batches.
enum class BatchUnit {
  kSentences,  ///< "sentences": sentence pairs per batch
  kTokens,     ///< "tokens": padded target tokens per batch, B * T of the collated trg tensor
};

/// The valid spellings of BatchUnit in YAML and on the command line.
const std::vector<std::pair<std::string, BatchUnit>>& batch_unit_names();

// clang-format off
struct DataOptions {
  std::string dir = "data/multi30k";            ///< folder with the SPLIT.LANG.gz files
  std::string src_lang = "de";                  ///< source language, the LANG of the source files
  std::string trg_lang = "en";                  ///< target language, the LANG of the target files
  std::string train_split = "train";            ///< split that trains the model and the vocabulary
  std::string valid_split = "val";              ///< split for the validation loss during training
  std::string test_split = "test_2016_flickr";  ///< split for the final evaluation, never length-filtered
  int64_t max_train_pairs = 0;                  ///< 0 uses every pair, N the first N (quick runs, tests)
  int64_t max_valid_pairs = 0;                  ///< 0 uses every pair, N the first N
  int vocab_size = 8000;                        ///< pieces of the shared SentencePiece BPE model, specials included
  std::string cache_dir = "runs/cache";         ///< folder of the cached SentencePiece models and encoded corpora
  int max_len = 100;                            ///< train/valid pairs with more tokens on a side are dropped
                                                ///< (tokens without bos/eos)
  BatchUnit batch_unit = BatchUnit::kSentences; ///< unit of batch_size: "sentences" or "tokens"
  int64_t batch_size = 192;                     ///< pairs per batch, or max padded target tokens per batch
};
// clang-format on

/// Registers every field of `options` under `prefix` ("data.").
void bind(config::Schema& schema, const std::string& prefix, DataOptions& options);

/// Returns every cross-field violation of `options` (range checks are registered by bind).
std::vector<std::string> validate(const DataOptions& options);

}  // namespace tlt::data
