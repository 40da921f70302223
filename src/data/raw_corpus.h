// Locating, hashing and reading the raw parallel text files DIR/SPLIT.LANG.gz.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tlt/data/data_options.h"

namespace tlt::data {

/// One raw file with the size and FNV-1a hash of its bytes (compressed, as stored).
struct RawFile {
  std::string role;  ///< "train.src", "train.trg", "valid.src", ... for the cache description
  std::filesystem::path path;
  uint64_t size = 0;
  uint64_t hash = 0;
};

/// The sentence pairs of one split, limited to the first max_*_pairs.
struct RawSplit {
  std::vector<std::string> src;
  std::vector<std::string> trg;
  std::string description;  ///< "DIR/SPLIT.{SRC,TRG}.gz", for messages
};

struct RawSplits {
  RawSplit train;
  RawSplit valid;
  RawSplit test;
};

/// The path DIR/SPLIT.LANG.gz.
std::filesystem::path raw_file_path(const DataOptions& options, const std::string& split, const std::string& lang);

/// Hashes the six files of train, valid and test, source before target. Throws DataError listing every
/// missing file, with the command that downloads them.
std::vector<RawFile> hash_raw_files(const DataOptions& options);

/// Reads the three splits. Throws DataError for a truncated gzip file, a line that is not UTF-8, source
/// and target files with different line counts, or an empty split.
RawSplits read_raw_splits(const DataOptions& options);

}  // namespace tlt::data
