// Length-bucketed batches of sentence pairs and their padded tensors.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "tlt/data/data_options.h"
#include "tlt/data/parallel_corpus.h"
#include "tlt/data/vocabulary.h"

namespace tlt::data {

/// One collated batch. The source ends with eos and has no bos. The target is bos ... eos, so the decoder
/// input is trg[:, :-1] and the gold output trg[:, 1:].
struct Batch {
  at::Tensor src;               ///< [B, S] int64: tokens, eos, then pad; S = longest source + 1
  at::Tensor trg;               ///< [B, T] int64: bos, tokens, eos, then pad; T = longest target + 2
  int64_t n_target_tokens = 0;  ///< non-pad tokens in trg[:, 1:] (target tokens + eos per pair)
  int64_t n_source_tokens = 0;  ///< non-pad tokens in src (source tokens + eos per pair)
};

/// Splits the pairs of `corpus` into batches of indices into it. Pairs are sorted by target length, then
/// source length, then a tie-breaker: random per pair when `shuffle` is true, the index otherwise. The
/// sorted list is cut into batches of `batch_size` pairs (kSentences) or of at most `batch_size` padded
/// target tokens, counted as B * T of the collated trg tensor (kTokens). A single pair whose target
/// alone exceeds the token limit gets a batch of its own. With `shuffle` true, the batch order is then
/// shuffled. Every random draw comes from a generator seeded with (seed, epoch), so the same arguments
/// give the same batches on every platform. With `shuffle` false the batches depend only on the corpus
/// and the batch size. Every pair appears in exactly one batch. Logs the padding fraction at debug level.
/// Throws ConfigError for batch_size < 1.
std::vector<std::vector<int64_t>> make_batches(const ParallelCorpus& corpus, BatchUnit unit, int64_t batch_size,
                                               uint64_t seed, int64_t epoch, bool shuffle);

/// Builds the padded tensors of the pairs `indices` of `corpus`, laid out as described at Batch. Uses only
/// the special ids of `vocabulary`. Throws std::invalid_argument for an empty or out-of-range index list.
Batch collate(const ParallelCorpus& corpus, const std::vector<int64_t>& indices, const Vocabulary& vocabulary);

}  // namespace tlt::data
