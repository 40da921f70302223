// Sentence pairs encoded as SentencePiece ids.
#pragma once

#include <cstdint>
#include <vector>

namespace tlt::data {

/// Encoded sentence pairs without bos or eos: pair i is (src[i], trg[i]). src and trg have the same size.
struct ParallelCorpus {
  std::vector<std::vector<int32_t>> src;  ///< source sentences, piece ids
  std::vector<std::vector<int32_t>> trg;  ///< target sentences, piece ids

  /// Number of pairs.
  int64_t size() const { return static_cast<int64_t>(src.size()); }
};

}  // namespace tlt::data
