// Options of greedy and beam-search decoding.
//
// The defaults are the settings of Vaswani et al. (2017), section 6.1: beam size 4, length penalty
// alpha 0.6, and a maximum output length of the input length + 50.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tlt::config {
class Schema;
}

namespace tlt::decode {

struct DecodeOptions {
  int64_t beam_size = 4;        ///< hypotheses kept per sentence; 1 is greedy search
  double alpha = 0.6;           ///< length penalty exponent of Wu et al. (2016); 0 ranks by log-probability alone
  double max_len_ratio = 1.0;   ///< output tokens (eos included) <= max_len_ratio * source tokens + max_len_offset
  int64_t max_len_offset = 50;  ///< see max_len_ratio; the position table (model.n_position) also caps the length
  int64_t batch_size = 64;      ///< sentences decoded together
  bool use_cache = true;  ///< cache keys and values of earlier steps; false recomputes the prefix (slow, for checks)
};

/// Registers every field of `options` under `prefix` (for example "decode.").
void bind(config::Schema& schema, const std::string& prefix, DecodeOptions& options);

/// Returns every violation of `options`, with the value and the allowed range (the command line has no
/// schema, so this also checks the ranges that bind() registers).
std::vector<std::string> validate(const DecodeOptions& options);

}  // namespace tlt::decode
