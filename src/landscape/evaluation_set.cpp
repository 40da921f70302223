#include "tlt/landscape/evaluation_set.h"

namespace tlt::landscape {

const std::vector<std::pair<std::string, EvalSplit>>& eval_split_names() {
  static const std::vector<std::pair<std::string, EvalSplit>> names = {{"train", EvalSplit::kTrain},
                                                                      {"valid", EvalSplit::kValid}};
  return names;
}

std::string eval_split_name(EvalSplit split) { return split == EvalSplit::kTrain ? "train" : "valid"; }

}  // namespace tlt::landscape
