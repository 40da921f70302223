#include "tlt/decode/search.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/optim/adam.h>

#include <random>
#include <set>

#include "support/test_support.h"
#include "tlt/data/vocabulary.h"
#include "tlt/decode/step_decoder.h"
#include "tlt/model/parameters.h"
#include "tlt/util/torch_compat.h"

namespace tlt::decode {
namespace {

using tlt::testing::tensors_close;

constexpr int64_t kPad = data::Vocabulary::kPadId;
constexpr int64_t kBos = data::Vocabulary::kBosId;
constexpr int64_t kEos = data::Vocabulary::kEosId;
constexpr int64_t kFirstWord = 4;  // ids 0..3 are pad, bos, eos and unk

model::TransformerOptions small_options() {
  model::TransformerOptions options;
  options.d_model = 16;
  options.d_inner = 32;
  options.n_layers = 2;
  options.n_head = 2;
  options.d_k = 8;
  options.d_v = 8;
  options.dropout = 0.1;
  options.n_position = 40;
  return options;
}

/// Builds a random model with peaked output distributions, so that the ranking of the next tokens does
/// not hinge on rounding differences between the cached and the recomputed decoder. The projection is
/// untied, so logits are not scaled by D^-0.5, and its weight is multiplied by 4.
model::Transformer random_model(int64_t vocab_size, uint64_t seed) {
  compat::manual_seed(seed);
  model::TransformerOptions options = small_options();
  options.share_projection = false;
  model::Transformer model(options, vocab_size);
  torch::NoGradGuard no_grad;
  model->trg_word_prj->weight.mul_(4.0);
  return model;
}

/// Pads `sentences` into src rows [B, S]: words, eos, then pad.
at::Tensor make_src(const std::vector<std::vector<int64_t>>& sentences) {
  size_t longest = 0;
  for (const auto& sentence : sentences) longest = std::max(longest, sentence.size());
  at::Tensor src =
      at::full({static_cast<int64_t>(sentences.size()), static_cast<int64_t>(longest) + 1}, kPad, at::kLong);
  for (size_t row = 0; row < sentences.size(); ++row) {
    for (size_t i = 0; i < sentences[row].size(); ++i) src[row][static_cast<int64_t>(i)] = sentences[row][i];
    src[row][static_cast<int64_t>(sentences[row].size())] = kEos;
  }
  return src;
}

std::vector<std::vector<int64_t>> random_sentences(int count, int min_length, int max_length, int64_t vocab_size,
                                                   uint32_t seed) {
  std::mt19937 generator(seed);
  std::uniform_int_distribution<int> length(min_length, max_length);
  std::uniform_int_distribution<int64_t> word(kFirstWord, vocab_size - 1);
  std::vector<std::vector<int64_t>> sentences(static_cast<size_t>(count));
  for (auto& sentence : sentences) {
    sentence.resize(static_cast<size_t>(length(generator)));
    for (auto& token : sentence) token = word(generator);
  }
  return sentences;
}

DecodeOptions options_with(int64_t beam_size, bool use_cache, int64_t max_len_offset = 6) {
  DecodeOptions options;
  options.beam_size = beam_size;
  options.use_cache = use_cache;
  options.max_len_ratio = 1.0;
  options.max_len_offset = max_len_offset;
  return options;
}

/// Trains a model with d_model 32 to copy its input, with Adam on batches of 50 `sentences`.
model::Transformer train_copy_model(const std::vector<std::vector<int64_t>>& sentences, int64_t vocab, int64_t steps) {
  compat::manual_seed(1);
  model::TransformerOptions options = small_options();
  options.d_model = 32;
  options.d_inner = 64;
  options.n_head = 4;
  options.dropout = 0.0;
  model::Transformer model(options, vocab);
  std::vector<at::Tensor> parameters;
  for (const auto& parameter : model::unique_parameters(*model)) parameters.push_back(parameter.tensor);
  torch::optim::Adam optimizer(parameters, torch::optim::AdamOptions(1e-3).betas({0.9, 0.98}));

  const int64_t batch_size = 50;
  for (int64_t step = 0; step < steps; ++step) {
    const auto start = static_cast<size_t>((step * batch_size) % static_cast<int64_t>(sentences.size()));
    std::vector<std::vector<int64_t>> batch(sentences.begin() + static_cast<std::ptrdiff_t>(start),
                                            sentences.begin() + static_cast<std::ptrdiff_t>(start + batch_size));
    const at::Tensor src = make_src(batch);  // words, eos, pad
    // Target bos, words, eos, pad: the decoder input drops the last column, the gold the first.
    const at::Tensor trg = at::cat({at::full({src.size(0), 1}, kBos, at::kLong), src}, 1);
    const at::Tensor trg_in = trg.narrow(1, 0, trg.size(1) - 1);
    const at::Tensor gold = trg.narrow(1, 1, trg.size(1) - 1).reshape({-1});
    const at::Tensor logits = model->forward(src, trg_in);
    const at::Tensor loss =
        at::nll_loss(at::log_softmax(logits.reshape({-1, vocab}), -1), gold, {}, at::Reduction::Mean, kPad);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  }
  return model;
}

/// Returns a copy model after 150 training steps, shared by the tests of one process. Its outputs depend
/// on the source and on the prefix but are often wrong, and beam search changes many of them. That
/// exercises the cache and the beam more than a random model, whose outputs mostly repeat one token.
model::Transformer& partly_trained_model() {
  static model::Transformer model = train_copy_model(random_sentences(200, 1, 10, 23, 31), 23, 150);
  return model;
}

/// Returns the number of distinct tokens in `outputs`, to check that a comparison is not trivial.
size_t count_distinct_tokens(const std::vector<TokenIds>& outputs) {
  std::set<int> tokens;
  for (const auto& output : outputs) tokens.insert(output.begin(), output.end());
  return tokens.size();
}

TEST(LengthPenalty, FollowsWuEtAl) {
  EXPECT_DOUBLE_EQ(length_penalty(1, 0.6), 1.0);
  EXPECT_DOUBLE_EQ(length_penalty(7, 1.0), 2.0);
  EXPECT_DOUBLE_EQ(length_penalty(13, 0.5), std::sqrt(3.0));
  EXPECT_DOUBLE_EQ(length_penalty(30, 0.0), 1.0);
}

TEST(MaxOutputLength, ScalesSourceAndCapsAtPositionTable) {
  DecodeOptions options;
  options.max_len_ratio = 1.5;
  options.max_len_offset = 3;
  EXPECT_EQ(max_output_length(5, options, 100), 10);  // floor(7.5) + 3
  EXPECT_EQ(max_output_length(80, options, 100), 100);
  options.max_len_ratio = 0.0;
  options.max_len_offset = 0;
  EXPECT_EQ(max_output_length(5, options, 100), 1);
}

TEST(DecodeOptionsValidate, ReportsEveryViolation) {
  DecodeOptions options;
  options.beam_size = 0;
  options.alpha = -1;
  options.batch_size = 0;
  const auto problems = validate(options);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_NE(problems[0].find("beam size 0"), std::string::npos) << problems[0];
  EXPECT_NE(problems[1].find("alpha -1"), std::string::npos) << problems[1];
  EXPECT_NE(problems[2].find("batch size 0"), std::string::npos) << problems[2];
  EXPECT_TRUE(validate(DecodeOptions()).empty());
}

TEST(IncrementalDecoder, StepLogProbabilitiesMatchFullForward) {
  const int64_t vocab = 23;
  model::Transformer model = random_model(vocab, 3);
  model->eval();
  torch::NoGradGuard no_grad;
  const at::Tensor src = make_src(random_sentences(4, 2, 9, vocab, 11));
  // A fixed decoder input without padding: bos, then random words.
  at::Tensor trg_in = at::randint(kFirstWord, vocab, {4, 7}, at::kLong);
  trg_in.select(1, 0).fill_(kBos);
  const at::Tensor expected = at::log_softmax(model->forward(src, trg_in), -1);  // [B, T, V]

  auto [memory, src_mask] = model->encode(src);
  IncrementalDecoder incremental(model, memory, src_mask);
  RecomputingDecoder recomputing(model, memory, src_mask);
  for (int64_t t = 0; t < trg_in.size(1); ++t) {
    const at::Tensor cached = incremental.step(trg_in.select(1, t).contiguous());
    const at::Tensor full = recomputing.step(trg_in.select(1, t).contiguous());
    EXPECT_TRUE(tensors_close(cached, expected.select(1, t), 1e-5, 1e-5)) << "step " << t;
    EXPECT_TRUE(tensors_close(full, expected.select(1, t), 1e-5, 1e-5)) << "step " << t;
  }
  EXPECT_EQ(incremental.length(), 7);
  EXPECT_EQ(recomputing.length(), 7);
}

TEST(IncrementalDecoder, SelectRowsReordersCache) {
  const int64_t vocab = 23;
  model::Transformer model = random_model(vocab, 4);
  model->eval();
  torch::NoGradGuard no_grad;
  const at::Tensor src = make_src(random_sentences(3, 2, 6, vocab, 12));
  auto [memory, src_mask] = model->encode(src);
  IncrementalDecoder decoder(model, memory, src_mask);
  decoder.step(at::full({3}, kBos, at::kLong));
  const at::Tensor second = at::tensor(std::vector<int64_t>{5, 6, 7}, at::kLong);
  const at::Tensor expected = decoder.step(second);

  // Rebuild, reorder the rows after the first step as [2, 0, 0], and compare the second step.
  IncrementalDecoder reordered(model, memory, src_mask);
  reordered.step(at::full({3}, kBos, at::kLong));
  const at::Tensor rows = at::tensor(std::vector<int64_t>{2, 0, 0}, at::kLong);
  reordered.select_rows(rows);
  const at::Tensor actual = reordered.step(second.index_select(0, rows));
  EXPECT_TRUE(tensors_close(actual, expected.index_select(0, rows), 1e-6, 1e-6));
}

TEST(GreedySearch, CachedMatchesRecomputed) {
  model::Transformer& model = partly_trained_model();
  const at::Tensor src = make_src(random_sentences(16, 1, 10, 23, 13));
  const auto cached = greedy_search(model, src, options_with(1, true));
  const auto recomputed = greedy_search(model, src, options_with(1, false));
  ASSERT_EQ(cached.size(), 16u);
  EXPECT_EQ(cached, recomputed);
  EXPECT_GE(count_distinct_tokens(cached), 10u);
}

TEST(BeamSearch, CachedMatchesRecomputed) {
  model::Transformer& model = partly_trained_model();
  const at::Tensor src = make_src(random_sentences(16, 1, 10, 23, 14));
  const auto cached = beam_search(model, src, options_with(3, true));
  const auto recomputed = beam_search(model, src, options_with(3, false));
  EXPECT_EQ(cached, recomputed);
  EXPECT_GE(count_distinct_tokens(cached), 10u);
  // The beam changes some outputs, so the comparison covers reordered rows.
  EXPECT_NE(cached, greedy_search(model, src, options_with(1, true)));
}

TEST(BeamSearch, BeamSizeOneMatchesGreedy) {
  model::Transformer& model = partly_trained_model();
  const at::Tensor src = make_src(random_sentences(16, 1, 10, 23, 15));
  EXPECT_EQ(beam_search(model, src, options_with(1, true)), greedy_search(model, src, options_with(1, true)));
  const at::Tensor random_src = make_src(random_sentences(8, 1, 10, 23, 16));
  model::Transformer random = random_model(23, 7);
  EXPECT_EQ(beam_search(random, random_src, options_with(1, true)),
            greedy_search(random, random_src, options_with(1, true)));
}

TEST(Search, OutputsRespectLengthLimitAndSpecialTokens) {
  const int64_t vocab = 23;
  model::Transformer model = random_model(vocab, 10);
  const auto sentences = random_sentences(6, 1, 8, vocab, 15);
  const at::Tensor src = make_src(sentences);
  for (int64_t beam : {1, 4}) {
    const auto outputs = search(model, src, options_with(beam, true, 2));
    ASSERT_EQ(outputs.size(), sentences.size());
    for (size_t i = 0; i < outputs.size(); ++i) {
      // Max output length = source tokens (eos included) + 2, and the returned tokens exclude eos.
      EXPECT_LE(outputs[i].size(), sentences[i].size() + 3) << "sentence " << i << ", beam " << beam;
      for (int token : outputs[i]) {
        EXPECT_NE(token, kPad);
        EXPECT_NE(token, kBos);
        EXPECT_NE(token, kEos);
      }
    }
  }
}

TEST(Search, RestoresTrainingMode) {
  model::Transformer model = random_model(23, 11);
  model->train();
  search(model, make_src({{5, 6, 7}}), options_with(2, true));
  EXPECT_TRUE(model->is_training());
  model->eval();
  search(model, make_src({{5, 6, 7}}), options_with(1, true));
  EXPECT_FALSE(model->is_training());
}

TEST(Search, TrainedCopyModelCopiesExactly) {
  const int64_t vocab = 12;
  const auto train = random_sentences(200, 3, 6, vocab, 21);
  model::Transformer model = train_copy_model(train, vocab, 400);
  const auto unseen = random_sentences(50, 3, 6, vocab, 22);
  for (int64_t beam : {1, 4}) {
    for (const auto* sentences : {&train, &unseen}) {
      const auto outputs = search(model, make_src(*sentences), options_with(beam, true));
      int64_t exact = 0;
      for (size_t i = 0; i < sentences->size(); ++i) {
        if (std::vector<int64_t>(outputs[i].begin(), outputs[i].end()) == (*sentences)[i]) ++exact;
      }
      EXPECT_EQ(exact, static_cast<int64_t>(sentences->size()))
          << "beam " << beam << ", " << (sentences == &train ? "training" : "unseen") << " sentences";
    }
  }
}

}  // namespace
}  // namespace tlt::decode
