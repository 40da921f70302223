#include "tlt/landscape/transformer_surface_model.h"

#include <c10/core/InferenceMode.h>

#include <algorithm>

#include "tlt/data/prepared_data.h"
#include "tlt/train/evaluation.h"
#include "tlt/util/error.h"

namespace tlt::landscape {

TransformerSurfaceModel::TransformerSurfaceModel(model::Transformer model, std::vector<data::Batch> batches,
                                                 int64_t pad_idx, nlohmann::json evaluation_set)
    : model_(std::move(model)), batches_(std::move(batches)), pad_idx_(pad_idx),
      evaluation_set_(std::move(evaluation_set)) {}

EvaluationBatches make_evaluation_batches(const data::ParallelCorpus& split, const data::Vocabulary& vocabulary,
                                          const data::DataOptions& data, const EvaluationSetOptions& evaluation) {
  // The first N pairs in corpus order, so that every model and every rerun sees the same sentences.
  data::ParallelCorpus subset;
  const int64_t count = evaluation.size > 0 ? std::min(evaluation.size, split.size()) : split.size();
  subset.src.assign(split.src.begin(), split.src.begin() + count);
  subset.trg.assign(split.trg.begin(), split.trg.begin() + count);
  if (count == 0) {
    throw ConfigError("the evaluation set is empty: the " + eval_split_name(evaluation.split) +
                      " split has no pairs within data.max_len; choose the other split with --eval-split or "
                      "check data.max_train_pairs and data.max_valid_pairs");
  }

  const bool by_tokens = evaluation.batch_tokens > 0;
  const data::BatchUnit unit = by_tokens ? data::BatchUnit::kTokens : data.batch_unit;
  const int64_t batch_size = by_tokens ? evaluation.batch_tokens : data.batch_size;
  const auto indices = data::make_batches(subset, unit, batch_size, /*seed=*/0, /*epoch=*/0, /*shuffle=*/false);
  EvaluationBatches result;
  int64_t target_tokens = 0;
  for (const auto& batch_indices : indices) {
    result.batches.push_back(data::collate(subset, batch_indices, vocabulary));
    target_tokens += result.batches.back().n_target_tokens;
  }

  result.description = {
      {"split", eval_split_name(evaluation.split)},
      {"requested_pairs", evaluation.size},
      {"pairs", count},
      {"target_tokens", target_tokens},
      {"batches", result.batches.size()},
      {"batch_unit", unit == data::BatchUnit::kTokens ? "tokens" : "sentences"},
      {"batch_size", batch_size},
      {"data_dir", data.dir},
      {"selection", "first pairs in corpus order after the max_len filter"},
  };
  return result;
}

std::unique_ptr<TransformerSurfaceModel> TransformerSurfaceModel::from_config(const train::RunConfig& config,
                                                                              const EvaluationSetOptions& evaluation) {
  const data::PreparedData prepared = data::prepare_data(config.data);
  const data::ParallelCorpus& split = evaluation.split == EvalSplit::kTrain ? prepared.train : prepared.valid;
  EvaluationBatches evaluation_batches = make_evaluation_batches(split, prepared.vocab, config.data, evaluation);
  evaluation_batches.description["cache_key"] = prepared.cache_key;
  model::Transformer transformer(config.model, prepared.vocab.size());
  return std::make_unique<TransformerSurfaceModel>(std::move(transformer), std::move(evaluation_batches.batches),
                                                   config.model.pad_idx, std::move(evaluation_batches.description));
}

PointMetrics TransformerSurfaceModel::evaluate() {
  c10::InferenceMode inference;
  const train::EvalResult result = train::evaluate(model_, batches_, pad_idx_, /*label_smoothing=*/0.0);
  return {result.loss(), result.ppl(), result.accuracy()};
}

}  // namespace tlt::landscape
