#include "tlt/decode/decode_options.h"

#include <fmt/format.h>

#include "tlt/config/schema.h"

namespace tlt::decode {

void bind(config::Schema& schema, const std::string& prefix, DecodeOptions& o) {
  schema.field(prefix + "beam_size", o.beam_size, "hypotheses kept per sentence; 1 is greedy search").min(1);
  schema.field(prefix + "alpha", o.alpha, "length penalty exponent ((5 + length) / 6)^alpha; 0 turns it off").min(0);
  schema
      .field(prefix + "max_len_ratio", o.max_len_ratio,
             "max output tokens = max_len_ratio * source tokens + max_len_offset")
      .min(0);
  schema.field(prefix + "max_len_offset", o.max_len_offset, "constant term of the max output length, in tokens").min(0);
  schema.field(prefix + "batch_size", o.batch_size, "sentences decoded together").min(1);
  schema.field(prefix + "use_cache", o.use_cache,
               "cache the keys and values of earlier steps (false recomputes the whole prefix: slow, for checks)");
}

std::vector<std::string> validate(const DecodeOptions& o) {
  std::vector<std::string> problems;
  if (o.beam_size < 1) problems.push_back(fmt::format("beam size {} is invalid; use 1 (greedy) or more", o.beam_size));
  if (!(o.alpha >= 0)) problems.push_back(fmt::format("length penalty alpha {} is invalid; use a value >= 0", o.alpha));
  if (!(o.max_len_ratio >= 0)) {
    problems.push_back(fmt::format("max length ratio {} is invalid; use a value >= 0", o.max_len_ratio));
  }
  if (o.max_len_offset < 0) {
    problems.push_back(fmt::format("max length offset {} is invalid; use a value >= 0", o.max_len_offset));
  }
  if (o.max_len_ratio == 0 && o.max_len_offset < 1) {
    problems.push_back("max length ratio 0 and offset 0 leave no room for an output token; raise either");
  }
  if (o.batch_size < 1) problems.push_back(fmt::format("batch size {} is invalid; use 1 or more", o.batch_size));
  return problems;
}

}  // namespace tlt::decode
