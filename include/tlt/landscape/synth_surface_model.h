// The synth-attn learner (one attention block and a classifier) as a SurfaceModel: mean cross-entropy and
// accuracy over the first N samples of a split of the synthetic task. It has no perplexity (NaN).
#pragma once

#include <memory>

#include "tlt/landscape/evaluation_set.h"
#include "tlt/landscape/surface_model.h"
#include "tlt/synth/attention_classifier.h"
#include "tlt/synth/study_config.h"

namespace tlt::landscape {

class SynthSurfaceModel : public SurfaceModel {
 public:
  SynthSurfaceModel(synth::AttentionClassifier model, synth::SyntheticSplit split, nlohmann::json evaluation_set);

  /// Builds the synthetic dataset of config.task, keeps the first `evaluation.size` samples of the chosen
  /// split, and builds the learner of config.model (load a checkpoint into module() before evaluating).
  /// Throws ConfigError for an empty evaluation set or an invalid config.
  static std::unique_ptr<SynthSurfaceModel> from_config(const synth::SynthAttnConfig& config,
                                                        const EvaluationSetOptions& evaluation);

  torch::nn::Module& module() override { return *model_; }

  /// Runs synth::evaluate under c10::InferenceMode; ppl is NaN.
  PointMetrics evaluate() override;

  std::string model_type() const override { return "synth-attn"; }
  nlohmann::json describe_evaluation_set() const override { return evaluation_set_; }

 private:
  synth::AttentionClassifier model_;
  synth::SyntheticSplit split_;
  nlohmann::json evaluation_set_;
};

}  // namespace tlt::landscape
