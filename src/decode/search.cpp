#include "tlt/decode/search.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <cmath>
#include <limits>
#include <memory>

#include "tlt/data/vocabulary.h"
#include "tlt/decode/step_decoder.h"
#include "tlt/util/shapes.h"

namespace tlt::decode {

namespace {

/// Eval mode and no autograd for the lifetime of the guard; restores the training flag afterwards.
class InferenceGuard {
 public:
  explicit InferenceGuard(model::Transformer& model) : model_(model), was_training_(model->is_training()) {
    model_->eval();
  }
  ~InferenceGuard() { model_->train(was_training_); }
  InferenceGuard(const InferenceGuard&) = delete;
  InferenceGuard& operator=(const InferenceGuard&) = delete;

 private:
  model::Transformer& model_;
  bool was_training_;
  torch::NoGradGuard no_grad_;
};

/// Pad and bos are never outputs. Forbidding pad also keeps padding out of the decoded prefixes, whose
/// self-attention would otherwise mask it as training does.
void forbid_special_tokens(at::Tensor& log_probs, int64_t pad_idx) {
  const double minus_infinity = -std::numeric_limits<double>::infinity();
  log_probs.select(1, pad_idx).fill_(minus_infinity);
  log_probs.select(1, data::Vocabulary::kBosId).fill_(minus_infinity);
}

/// Max output length of each source row.
std::vector<int64_t> output_limits(const at::Tensor& src, const DecodeOptions& options,
                                   const model::TransformerOptions& model_options) {
  const at::Tensor lengths = src.ne(model_options.pad_idx).sum(1).to(at::kCPU, at::kLong);
  const auto values = lengths.accessor<int64_t, 1>();
  std::vector<int64_t> limits;
  for (int64_t i = 0; i < lengths.size(0); ++i) {
    limits.push_back(max_output_length(values[i], options, model_options.n_position));
  }
  return limits;
}

at::Tensor to_index_tensor(const std::vector<int64_t>& values, const at::Device& device) {
  return at::tensor(values, at::TensorOptions().dtype(at::kLong)).to(device);
}

/// A hypothesis that ended with eos or at the max output length; `score` is normalised by lp(Y).
struct FinishedHypothesis {
  TokenIds tokens;
  double score = 0.0;
};

/// One kept extension of a live hypothesis: its row, the appended token and its log-probability.
struct Extension {
  int64_t row = 0;
  int64_t token = 0;
  double log_prob = 0.0;
};

}  // namespace

double length_penalty(int64_t length, double alpha) {
  return std::pow((5.0 + static_cast<double>(length)) / 6.0, alpha);
}

int64_t max_output_length(int64_t source_length, const DecodeOptions& options, int64_t n_position) {
  const auto scaled = static_cast<int64_t>(std::floor(options.max_len_ratio * static_cast<double>(source_length)));
  return std::max<int64_t>(1, std::min(scaled + options.max_len_offset, n_position));
}

std::vector<TokenIds> greedy_search(model::Transformer& model, const at::Tensor& src, const DecodeOptions& options) {
  check_shape(src, {-1, -1}, "src [B, S]");
  InferenceGuard guard(model);
  const int64_t batch = src.size(0);
  const int64_t eos = data::Vocabulary::kEosId;
  const std::vector<int64_t> limits = output_limits(src, options, model->options());

  auto [memory, src_mask] = model->encode(src);
  const std::unique_ptr<StepDecoder> decoder = make_step_decoder(model, memory, src_mask, options.use_cache);

  // active[r] is the sentence of decoder row r; finished sentences leave the decoder's rows.
  std::vector<TokenIds> outputs(static_cast<size_t>(batch));
  std::vector<int64_t> active(static_cast<size_t>(batch));
  for (int64_t i = 0; i < batch; ++i) active[static_cast<size_t>(i)] = i;
  at::Tensor last_tokens = at::full({batch}, data::Vocabulary::kBosId, src.options().dtype(at::kLong));
  for (int64_t length = 1; !active.empty(); ++length) {
    at::Tensor log_probs = decoder->step(last_tokens);  // [A, V]
    forbid_special_tokens(log_probs, model->options().pad_idx);
    const at::Tensor best = log_probs.argmax(-1).to(at::kCPU);  // [A]
    const auto best_tokens = best.accessor<int64_t, 1>();

    std::vector<int64_t> kept_rows;
    std::vector<int64_t> kept_tokens;
    std::vector<int64_t> still_active;
    for (size_t row = 0; row < active.size(); ++row) {
      const int64_t sentence = active[row];
      const int64_t token = best_tokens[static_cast<int64_t>(row)];
      if (token == eos) continue;
      outputs[static_cast<size_t>(sentence)].push_back(static_cast<int>(token));
      if (length >= limits[static_cast<size_t>(sentence)]) continue;
      kept_rows.push_back(static_cast<int64_t>(row));
      kept_tokens.push_back(token);
      still_active.push_back(sentence);
    }
    if (still_active.empty()) break;
    if (still_active.size() < active.size()) decoder->select_rows(to_index_tensor(kept_rows, src.device()));
    last_tokens = to_index_tensor(kept_tokens, src.device());
    active = std::move(still_active);
  }
  return outputs;
}

std::vector<TokenIds> beam_search(model::Transformer& model, const at::Tensor& src, const DecodeOptions& options) {
  check_shape(src, {-1, -1}, "src [B, S]");
  InferenceGuard guard(model);
  const int64_t batch = src.size(0);
  const int64_t beam = options.beam_size;
  const int64_t eos = data::Vocabulary::kEosId;
  const double minus_infinity = -std::numeric_limits<double>::infinity();
  const std::vector<int64_t> limits = output_limits(src, options, model->options());

  // Encode once per sentence, then give each sentence K decoder rows: rows a*K .. a*K + K-1 belong to
  // the a-th active sentence.
  auto [memory, src_mask] = model->encode(src);
  const std::unique_ptr<StepDecoder> decoder = make_step_decoder(model, memory, src_mask, options.use_cache);
  decoder->select_rows(at::arange(batch, src.options().dtype(at::kLong)).repeat_interleave(beam));

  std::vector<int64_t> active(static_cast<size_t>(batch));
  for (int64_t i = 0; i < batch; ++i) active[static_cast<size_t>(i)] = i;
  std::vector<TokenIds> prefixes(static_cast<size_t>(batch * beam));
  std::vector<std::vector<FinishedHypothesis>> finished(static_cast<size_t>(batch));
  // Only the first beam of a sentence starts live, so that the first step does not pick K copies of
  // the same extension.
  std::vector<double> initial_scores(static_cast<size_t>(batch * beam), minus_infinity);
  for (int64_t i = 0; i < batch; ++i) initial_scores[static_cast<size_t>(i * beam)] = 0.0;
  at::Tensor scores = at::tensor(initial_scores, at::TensorOptions().dtype(at::kDouble)).to(src.device(), at::kFloat);
  at::Tensor last_tokens = at::full({batch * beam}, data::Vocabulary::kBosId, src.options().dtype(at::kLong));

  for (int64_t length = 1; !active.empty(); ++length) {
    // Scores of every extension of every live hypothesis: [A, K * V].
    at::Tensor log_probs = decoder->step(last_tokens);  // [A * K, V]
    forbid_special_tokens(log_probs, model->options().pad_idx);
    const int64_t vocab = log_probs.size(1);
    const int64_t n_active = static_cast<int64_t>(active.size());
    const at::Tensor candidates = (scores.unsqueeze(1) + log_probs).view({n_active, beam * vocab});
    const int64_t n_candidates = std::min(2 * beam, beam * vocab);
    const auto top = candidates.topk(n_candidates, 1, /*largest=*/true, /*sorted=*/true);
    const at::Tensor top_scores_cpu = std::get<0>(top).to(at::kCPU, at::kDouble);
    const at::Tensor top_ids_cpu = std::get<1>(top).to(at::kCPU);
    const auto top_scores = top_scores_cpu.accessor<double, 2>();
    const auto top_ids = top_ids_cpu.accessor<int64_t, 2>();

    // Per sentence: finish the eos extensions among the first K, keep the K best others.
    std::vector<Extension> next;
    std::vector<int64_t> still_active;
    for (int64_t a = 0; a < n_active; ++a) {
      const int64_t sentence = active[static_cast<size_t>(a)];
      auto& done = finished[static_cast<size_t>(sentence)];
      const bool at_limit = length >= limits[static_cast<size_t>(sentence)];
      const double penalty = length_penalty(length, options.alpha);
      std::vector<Extension> live;
      for (int64_t rank = 0; rank < n_candidates && static_cast<int64_t>(live.size()) < beam; ++rank) {
        const double log_prob = top_scores[a][rank];
        if (!std::isfinite(log_prob)) break;  // sorted: only -inf follows
        const int64_t row = a * beam + top_ids[a][rank] / vocab;
        const int64_t token = top_ids[a][rank] % vocab;
        if (token == eos) {
          if (rank < beam) done.push_back({prefixes[static_cast<size_t>(row)], log_prob / penalty});
          continue;
        }
        live.push_back({row, token, log_prob});
      }
      if (at_limit) {
        // The max output length cuts the live hypotheses where they are.
        for (const Extension& extension : live) {
          TokenIds tokens = prefixes[static_cast<size_t>(extension.row)];
          tokens.push_back(static_cast<int>(extension.token));
          done.push_back({std::move(tokens), extension.log_prob / penalty});
        }
        continue;
      }
      if (static_cast<int64_t>(done.size()) >= beam || live.empty()) continue;
      // Fewer than K finite extensions happen only with a vocabulary smaller than K; fill the beam with
      // dead copies so that every sentence keeps K rows.
      while (static_cast<int64_t>(live.size()) < beam) {
        live.push_back({live.front().row, live.front().token, minus_infinity});
      }
      next.insert(next.end(), live.begin(), live.end());
      still_active.push_back(sentence);
    }
    if (still_active.empty()) break;

    // Reorder the decoder rows and the prefixes to the kept extensions.
    std::vector<int64_t> rows;
    std::vector<int64_t> tokens;
    std::vector<double> next_scores;
    std::vector<TokenIds> next_prefixes;
    for (const Extension& extension : next) {
      rows.push_back(extension.row);
      tokens.push_back(extension.token);
      next_scores.push_back(extension.log_prob);
      next_prefixes.push_back(prefixes[static_cast<size_t>(extension.row)]);
      next_prefixes.back().push_back(static_cast<int>(extension.token));
    }
    decoder->select_rows(to_index_tensor(rows, src.device()));
    prefixes = std::move(next_prefixes);
    scores = at::tensor(next_scores, at::TensorOptions().dtype(at::kDouble)).to(src.device(), at::kFloat);
    last_tokens = to_index_tensor(tokens, src.device());
    active = std::move(still_active);
  }

  // The best finished hypothesis of each sentence; the first one found wins a tie.
  std::vector<TokenIds> outputs(static_cast<size_t>(batch));
  for (int64_t i = 0; i < batch; ++i) {
    const auto& done = finished[static_cast<size_t>(i)];
    const FinishedHypothesis* best = nullptr;
    for (const auto& hypothesis : done) {
      if (best == nullptr || hypothesis.score > best->score) best = &hypothesis;
    }
    if (best != nullptr) outputs[static_cast<size_t>(i)] = best->tokens;
  }
  return outputs;
}

std::vector<TokenIds> search(model::Transformer& model, const at::Tensor& src, const DecodeOptions& options) {
  return options.beam_size == 1 ? greedy_search(model, src, options) : beam_search(model, src, options);
}

}  // namespace tlt::decode
