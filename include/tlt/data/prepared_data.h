// Reading Multi30k, training or reusing the SentencePiece model, and caching the encoded corpus.
//
// Cache layout: CACHE_DIR/KEY/ contains spm.model and spm.vocab (the SentencePiece model and its piece
// list), corpus.bin (the encoded splits before the max_len filter) and cache.json (the inputs that KEY
// hashes). KEY is a hash of the raw file contents, the languages, splits, pair limits, vocab_size, the
// SentencePiece settings and the cache format version. max_len is applied after loading, so changing it
// reuses the cache.
#pragma once

#include <cstdint>
#include <string>

#include "tlt/data/data_options.h"
#include "tlt/data/parallel_corpus.h"
#include "tlt/data/vocabulary.h"

namespace tlt::data {

struct PreparedData {
  Vocabulary vocab;               ///< shared source and target vocabulary, loaded from the cache folder
  ParallelCorpus train;           ///< training pairs within max_len
  ParallelCorpus valid;           ///< validation pairs within max_len
  ParallelCorpus test;            ///< every test pair, whatever its length
  int64_t dropped_train = 0;      ///< training pairs dropped for a side longer than max_len
  int64_t dropped_valid = 0;      ///< validation pairs dropped for a side longer than max_len
  std::string cache_key;          ///< 16 hexadecimal digits, the name of the cache folder
  std::string cache_path;         ///< CACHE_DIR/cache_key
  bool vocab_cache_hit = false;   ///< true if spm.model came from the cache rather than from training
  bool corpus_cache_hit = false;  ///< true if corpus.bin came from the cache rather than from encoding
};

/// Reads the raw files DIR/SPLIT.LANG.gz, trains (one BPE model on both sides of the training split) or
/// reuses the cached SentencePiece model, encodes or reuses the cached corpus, and drops the train and
/// valid pairs over max_len. Logs corpus sizes, vocabulary size, cache hit or miss and dropped counts.
///
/// Throws ConfigError for invalid options. Throws DataError for a missing file, a truncated gzip file,
/// text that is not UTF-8, source and target files with different line counts, or an empty split. Also
/// throws DataError when vocab_size is too large for the training text or too small for its characters,
/// when no training or validation pair is within max_len, and when the cache folder cannot be written.
/// A corrupt cache file is rebuilt with a warning. Several processes may prepare the same cache folder at
/// once, but not several threads of one process.
PreparedData prepare_data(const DataOptions& options);

}  // namespace tlt::data
