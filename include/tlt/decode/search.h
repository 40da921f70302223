// Greedy and beam search over a batch of source sentences.
//
// Both functions put the model in eval mode (no dropout) and disable autograd while they run, then
// restore the model's training flag. They never emit pad or bos; a hypothesis ends with eos (which is
// not returned) or when it reaches the maximum output length.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "tlt/decode/decode_options.h"
#include "tlt/model/transformer.h"

namespace tlt::decode {

/// Output tokens of one sentence, without bos and eos.
using TokenIds = std::vector<int>;

/// The length penalty of Wu et al. (2016), "Google's Neural Machine Translation System", section 7:
/// lp(Y) = ((5 + |Y|) / 6)^alpha, with |Y| the output tokens, eos included.
double length_penalty(int64_t length, double alpha);

/// Returns the max output tokens (eos included) of a source row with `source_length` non-pad tokens
/// (eos included): floor(max_len_ratio * source_length) + max_len_offset, at least 1. The result is at
/// most `n_position`, the rows of the position table, because the decoder input bos + tokens must fit.
int64_t max_output_length(int64_t source_length, const DecodeOptions& options, int64_t n_position);

/// Greedy search: appends the most probable token at each step. src [B, S] int64 (tokens, eos, pad)
/// -> B token lists. Uses options.max_len_ratio, max_len_offset and use_cache; ignores beam_size and
/// batch_size.
std::vector<TokenIds> greedy_search(model::Transformer& model, const at::Tensor& src, const DecodeOptions& options);

/// Beam search with options.beam_size hypotheses K per sentence, ranked by log P(Y | X) / lp(Y):
/// src [B, S] -> the best hypothesis of each sentence. Each step extends the K live hypotheses by every
/// token and keeps the 2K best extensions. Those among the first K that end with eos finish, and the K
/// best that do not end with eos stay live. A sentence stops when it has K finished hypotheses, or at
/// its max output length, where the live hypotheses finish as they are. With K = 1 it returns
/// greedy_search's output. Ignores options.batch_size.
std::vector<TokenIds> beam_search(model::Transformer& model, const at::Tensor& src, const DecodeOptions& options);

/// greedy_search if options.beam_size is 1, else beam_search.
std::vector<TokenIds> search(model::Transformer& model, const at::Tensor& src, const DecodeOptions& options);

}  // namespace tlt::decode
