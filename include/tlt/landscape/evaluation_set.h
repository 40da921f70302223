// Which data a loss surface is evaluated on: the first N pairs (or samples) of a split, in corpus order.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tlt::landscape {

/// The split that a surface is evaluated on.
enum class EvalSplit {
  kTrain,  ///< "train": the training split (after data.max_train_pairs and the max_len filter)
  kValid,  ///< "valid": the validation split (after data.max_valid_pairs and the max_len filter)
};

/// The valid spellings of EvalSplit on the command line.
const std::vector<std::pair<std::string, EvalSplit>>& eval_split_names();

/// The spelling of `split`, "train" or "valid".
std::string eval_split_name(EvalSplit split);

/// Default batch size of a Transformer evaluation set, in padded target tokens. The set is sorted by
/// length, so batches this small hold sentences of similar length and carry little padding.
constexpr int64_t kDefaultEvalBatchTokens = 1024;

struct EvaluationSetOptions {
  EvalSplit split = EvalSplit::kValid;  ///< split to evaluate on
  int64_t size = 256;                   ///< first N sentence pairs (synth-attn: samples) in corpus order; 0 = all
  /// Transformer batches of at most this many padded target tokens, sorted by length; 0 = the run's
  /// data.batch_unit and data.batch_size. Batching changes the results only by float rounding.
  int64_t batch_tokens = kDefaultEvalBatchTokens;
};

}  // namespace tlt::landscape
