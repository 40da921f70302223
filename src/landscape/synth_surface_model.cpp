#include "tlt/landscape/synth_surface_model.h"

#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <cmath>

#include "tlt/synth/synthetic_task.h"
#include "tlt/util/error.h"

namespace tlt::landscape {

namespace {

// Samples evaluated together; the result does not depend on it beyond float rounding.
constexpr int64_t kEvaluationBatchSize = 1024;

}  // namespace

SynthSurfaceModel::SynthSurfaceModel(synth::AttentionClassifier model, synth::SyntheticSplit split,
                                     nlohmann::json evaluation_set)
    : model_(std::move(model)), split_(std::move(split)), evaluation_set_(std::move(evaluation_set)) {}

std::unique_ptr<SynthSurfaceModel> SynthSurfaceModel::from_config(const synth::SynthAttnConfig& config,
                                                                  const EvaluationSetOptions& evaluation) {
  synth::check_synth_attn_config(config);
  const synth::SyntheticDataset dataset = synth::make_synthetic_dataset(config.task);
  const synth::SyntheticSplit& split = evaluation.split == EvalSplit::kTrain ? dataset.train : dataset.valid;
  const int64_t count = evaluation.size > 0 ? std::min(evaluation.size, split.size()) : split.size();
  if (count == 0) {
    throw ConfigError("the evaluation set is empty: the " + eval_split_name(evaluation.split) +
                      " split of the synthetic task has no samples; check task.n_samples and task.train_fraction");
  }
  synth::SyntheticSplit subset{split.inputs.narrow(0, 0, count).contiguous(),
                               split.labels.narrow(0, 0, count).contiguous()};

  const nlohmann::json description = {
      {"split", eval_split_name(evaluation.split)},
      {"requested_samples", evaluation.size},
      {"samples", count},
      {"batch_size", kEvaluationBatchSize},
      {"task_seed", config.task.seed},
      {"selection", "first samples of the split"},
  };
  // The learner's initial weights are irrelevant: the caller loads a checkpoint.
  synth::AttentionClassifier learner = synth::make_learner(config.task, config.model, config.train.seed);
  return std::make_unique<SynthSurfaceModel>(std::move(learner), std::move(subset), description);
}

PointMetrics SynthSurfaceModel::evaluate() {
  c10::InferenceMode inference;
  const synth::Evaluation result = synth::evaluate(model_, split_, kEvaluationBatchSize);
  return {result.loss, NAN, result.accuracy};
}

}  // namespace tlt::landscape
