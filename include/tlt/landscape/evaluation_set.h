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

struct EvaluationSetOptions {
  EvalSplit split = EvalSplit::kValid;  ///< split to evaluate on
  int64_t size = 256;                   ///< first N sentence pairs (synth-attn: samples) in corpus order; 0 = all
};

}  // namespace tlt::landscape
