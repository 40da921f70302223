// The encoder-decoder Transformer as a SurfaceModel: plain cross-entropy, perplexity and token accuracy on
// pre-collated batches that are reused for every point.
#pragma once

#include <memory>
#include <vector>

#include "tlt/data/batching.h"
#include "tlt/landscape/evaluation_set.h"
#include "tlt/landscape/surface_model.h"
#include "tlt/model/transformer.h"
#include "tlt/train/run_config.h"

namespace tlt::landscape {

class TransformerSurfaceModel : public SurfaceModel {
 public:
  /// `batches` are collated once; `evaluation_set` describes them for the JSON sidecar.
  TransformerSurfaceModel(model::Transformer model, std::vector<data::Batch> batches, int64_t pad_idx,
                          nlohmann::json evaluation_set);

  /// Prepares the data of `config` (the cached SentencePiece model and corpus), takes the first
  /// `evaluation.size` pairs of the chosen split in corpus order, batches them without shuffling with
  /// config.data.batch_unit and batch_size, and builds the model of config.model with random weights (load
  /// a checkpoint into module() before evaluating). Throws ConfigError for an empty evaluation set and
  /// the errors of data::prepare_data.
  static std::unique_ptr<TransformerSurfaceModel> from_config(const train::RunConfig& config,
                                                              const EvaluationSetOptions& evaluation);

  torch::nn::Module& module() override { return *model_; }

  /// Runs train::evaluate with label smoothing 0 under c10::InferenceMode.
  PointMetrics evaluate() override;

  std::string model_type() const override { return "transformer"; }
  nlohmann::json describe_evaluation_set() const override { return evaluation_set_; }

 private:
  model::Transformer model_;
  std::vector<data::Batch> batches_;
  int64_t pad_idx_;
  nlohmann::json evaluation_set_;
};

}  // namespace tlt::landscape
