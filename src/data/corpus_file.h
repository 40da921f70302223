// The binary file format of a cached encoded corpus (corpus.bin).
//
// All integers are little-endian. Header, 48 bytes:
//   0  char[8] magic "TLTCORPS"      8  uint32 format version (kCorpusFormatVersion)
//   12 uint32 split count (3)        16 uint64 payload size in bytes
//   24 uint64 FNV-1a of the payload  32 uint64 FNV-1a of the spm.model bytes the ids come from
//   40 uint32 vocabulary size        44 uint32 bytes per id: 2 if the vocabulary size is <= 65536, else 4
// Payload, for each of train, valid and test in turn:
//   uint64 pair count N, uint32 source lengths [N], uint32 target lengths [N],
//   source ids of all sentences concatenated, as unsigned integers of the id width, then target ids.
// With 2-byte ids the full Multi30k corpus takes about 2 MB.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tlt/data/parallel_corpus.h"

namespace tlt::data {

/// Bumped whenever the layout above or the meaning of its contents changes.
inline constexpr uint32_t kCorpusFormatVersion = 1;

/// The three encoded splits, before the max_len filter.
struct EncodedSplits {
  ParallelCorpus train;
  ParallelCorpus valid;
  ParallelCorpus test;
};

/// Serialises `splits` in the format above.
std::string serialize_corpus(const EncodedSplits& splits, uint64_t model_hash, int vocab_size);

/// Parses and validates corpus.bin bytes: magic, version, sizes, checksum, the model hash and vocabulary
/// size it must match, and every id within [0, vocab_size). Throws DataError with the first problem found.
EncodedSplits parse_corpus(std::string_view bytes, uint64_t model_hash, int vocab_size);

}  // namespace tlt::data
