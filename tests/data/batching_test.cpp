#include "tlt/data/batching.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "data/data_test_support.h"
#include "support/test_support.h"
#include "tlt/util/error.h"

namespace tlt::data {
namespace {

using testing::contains;
using testing::message_of;

// A corpus of `pairs` pairs with Multi30k-like lengths: 1 to 40 target tokens, source within +-30%.
ParallelCorpus random_corpus(int pairs, uint32_t seed = 7) {
  std::mt19937 generator(seed);
  ParallelCorpus corpus;
  for (int i = 0; i < pairs; ++i) {
    const int trg_length = 1 + static_cast<int>(generator() % 40);
    const int src_length = std::max(1, trg_length + static_cast<int>(generator() % 25) - 12);
    corpus.trg.emplace_back(trg_length, 4 + i % 50);
    corpus.src.emplace_back(src_length, 4 + i % 50);
  }
  return corpus;
}

// Fails unless every pair index of the corpus appears in exactly one batch.
void expect_each_pair_once(const std::vector<std::vector<int64_t>>& batches, int64_t pairs) {
  std::vector<int> seen(static_cast<size_t>(pairs), 0);
  for (const auto& batch : batches) {
    EXPECT_FALSE(batch.empty());
    for (const int64_t index : batch) {
      ASSERT_GE(index, 0);
      ASSERT_LT(index, pairs);
      ++seen[static_cast<size_t>(index)];
    }
  }
  for (int64_t i = 0; i < pairs; ++i) EXPECT_EQ(seen[static_cast<size_t>(i)], 1) << "pair " << i;
}

int64_t padded_target_tokens(const ParallelCorpus& corpus, const std::vector<int64_t>& batch) {
  size_t longest = 0;
  for (const int64_t index : batch) longest = std::max(longest, corpus.trg[index].size());
  return static_cast<int64_t>(batch.size()) * (static_cast<int64_t>(longest) + 2);
}

TEST(MakeBatches, SentencesCoverEveryPairOnce) {
  const ParallelCorpus corpus = random_corpus(1000);
  const auto batches = make_batches(corpus, BatchUnit::kSentences, 64, 1, 0, true);
  expect_each_pair_once(batches, corpus.size());
  EXPECT_EQ(batches.size(), 16u);  // ceil(1000 / 64)
  int full = 0;
  for (const auto& batch : batches) {
    EXPECT_LE(batch.size(), 64u);
    if (batch.size() == 64u) ++full;
  }
  EXPECT_EQ(full, 15);
}

TEST(MakeBatches, TokensRespectLimit) {
  const ParallelCorpus corpus = random_corpus(1000);
  const auto batches = make_batches(corpus, BatchUnit::kTokens, 500, 1, 3, true);
  expect_each_pair_once(batches, corpus.size());
  for (const auto& batch : batches) EXPECT_LE(padded_target_tokens(corpus, batch), 500);
}

TEST(MakeBatches, TokensFillBatches) {
  const ParallelCorpus corpus = random_corpus(1000);
  const auto batches = make_batches(corpus, BatchUnit::kTokens, 500, 1, 0, false);
  // A batch is cut only when one more pair would pass the limit, so each batch but the last would
  // exceed it with the next pair of the sorted order.
  for (size_t b = 0; b + 1 < batches.size(); ++b) {
    std::vector<int64_t> extended = batches[b];
    extended.push_back(batches[b + 1].front());
    EXPECT_GT(padded_target_tokens(corpus, extended), 500) << "batch " << b;
  }
}

TEST(MakeBatches, OversizedPairGetsOwnBatch) {
  ParallelCorpus corpus;
  corpus.src = {{5}, {5, 6}, {5, 6, 7}};
  corpus.trg = {{5}, std::vector<int32_t>(30, 9), {5, 6}};
  const auto batches = make_batches(corpus, BatchUnit::kTokens, 10, 1, 0, false);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0], (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(batches[1], (std::vector<int64_t>{1}));
}

TEST(MakeBatches, DeterministicForSeedAndEpoch) {
  const ParallelCorpus corpus = random_corpus(500);
  for (const BatchUnit unit : {BatchUnit::kSentences, BatchUnit::kTokens}) {
    const int64_t size = unit == BatchUnit::kSentences ? 32 : 400;
    EXPECT_EQ(make_batches(corpus, unit, size, 42, 5, true), make_batches(corpus, unit, size, 42, 5, true));
  }
}

TEST(MakeBatches, ShuffledOrderChangesAcrossEpochsAndSeeds) {
  const ParallelCorpus corpus = random_corpus(500);
  const auto epoch0 = make_batches(corpus, BatchUnit::kSentences, 32, 42, 0, true);
  const auto epoch1 = make_batches(corpus, BatchUnit::kSentences, 32, 42, 1, true);
  const auto other_seed = make_batches(corpus, BatchUnit::kSentences, 32, 43, 0, true);
  EXPECT_NE(epoch0, epoch1);
  EXPECT_NE(epoch0, other_seed);

  // Not only the batch order changes: the tie-breaker also moves pairs between batches.
  auto as_sets = [](std::vector<std::vector<int64_t>> batches) {
    for (auto& batch : batches) std::sort(batch.begin(), batch.end());
    std::sort(batches.begin(), batches.end());
    return batches;
  };
  EXPECT_NE(as_sets(epoch0), as_sets(epoch1));
}

TEST(MakeBatches, FixedWithoutShuffle) {
  const ParallelCorpus corpus = random_corpus(500);
  const auto reference = make_batches(corpus, BatchUnit::kTokens, 400, 1, 0, false);
  EXPECT_EQ(make_batches(corpus, BatchUnit::kTokens, 400, 2, 7, false), reference);

  // Without shuffling the batches follow the length order: no batch has a shorter target than the
  // previous batch's longest.
  size_t previous_longest = 0;
  for (const auto& batch : reference) {
    size_t shortest = SIZE_MAX, longest = 0;
    for (const int64_t index : batch) {
      shortest = std::min(shortest, corpus.trg[index].size());
      longest = std::max(longest, corpus.trg[index].size());
    }
    EXPECT_GE(shortest, previous_longest);
    previous_longest = longest;
  }
}

TEST(MakeBatches, BucketingKeepsPaddingLow) {
  const ParallelCorpus corpus = random_corpus(2000);
  const auto batches = make_batches(corpus, BatchUnit::kSentences, 64, 3, 0, true);
  int64_t real = 0, padded = 0;
  for (const auto& batch : batches) {
    for (const int64_t index : batch) real += static_cast<int64_t>(corpus.trg[index].size()) + 2;
    padded += padded_target_tokens(corpus, batch);
  }
  // Sorted by target length, a batch of 64 out of 2,000 pairs spans about one length value.
  EXPECT_LT(static_cast<double>(padded - real) / static_cast<double>(padded), 0.05);
}

TEST(MakeBatches, InvalidBatchSizeIsRejected) {
  const ParallelCorpus corpus = random_corpus(10);
  const std::string message =
      message_of<ConfigError>([&] { make_batches(corpus, BatchUnit::kSentences, 0, 1, 0, true); });
  EXPECT_TRUE(contains(message, "data.batch_size = 0")) << message;
}

TEST(MakeBatches, EmptyCorpusGivesNoBatches) {
  EXPECT_TRUE(make_batches(ParallelCorpus{}, BatchUnit::kTokens, 100, 1, 0, true).empty());
}

TEST(Collate, ShapesAndPadding) {
  ParallelCorpus corpus;
  corpus.src = {{10, 11, 12}, {13}, {14, 15}};
  corpus.trg = {{20}, {21, 22, 23}, {24, 25}};
  const Vocabulary vocab;
  const Batch batch = collate(corpus, {1, 0}, vocab);

  ASSERT_EQ(batch.src.sizes(), (std::vector<int64_t>{2, 4}));
  ASSERT_EQ(batch.trg.sizes(), (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(batch.src.scalar_type(), at::kLong);
  EXPECT_EQ(batch.trg.scalar_type(), at::kLong);
  const at::Tensor expected_src = at::tensor(std::vector<int64_t>{13, 2, 0, 0, 10, 11, 12, 2}).view({2, 4});
  const at::Tensor expected_trg = at::tensor(std::vector<int64_t>{1, 21, 22, 23, 2, 1, 20, 2, 0, 0}).view({2, 5});
  EXPECT_TRUE(tlt::testing::tensors_equal(batch.src, expected_src));
  EXPECT_TRUE(tlt::testing::tensors_equal(batch.trg, expected_trg));
  EXPECT_EQ(batch.n_source_tokens, 2 + 4);
  EXPECT_EQ(batch.n_target_tokens, 4 + 2);
}

TEST(Collate, TargetTokensCountGoldPositions) {
  const PreparedData& data = testing::small_multi30k();
  const auto batches = make_batches(data.valid, BatchUnit::kSentences, 16, 1, 0, false);
  const Batch batch = collate(data.valid, batches.front(), data.vocab);
  const at::Tensor gold = batch.trg.slice(1, 1);
  EXPECT_EQ(batch.n_target_tokens, gold.ne(data.vocab.pad_id()).sum().item<int64_t>());
  EXPECT_EQ(batch.n_source_tokens, batch.src.ne(data.vocab.pad_id()).sum().item<int64_t>());
  EXPECT_EQ(batch.trg.select(1, 0).eq(data.vocab.bos_id()).all().item<bool>(), true);
  EXPECT_EQ(batch.trg.eq(data.vocab.eos_id()).sum().item<int64_t>(), batch.trg.size(0));
  EXPECT_EQ(batch.src.eq(data.vocab.eos_id()).sum().item<int64_t>(), batch.src.size(0));
}

TEST(Collate, InvalidIndicesAreRejected) {
  ParallelCorpus corpus;
  corpus.src = {{5}};
  corpus.trg = {{6}};
  const Vocabulary vocab;
  EXPECT_THROW(collate(corpus, {}, vocab), std::invalid_argument);
  EXPECT_THROW(collate(corpus, {1}, vocab), std::invalid_argument);
}

}  // namespace
}  // namespace tlt::data
