// The encoder-decoder Transformer as a SurfaceModel: plain cross-entropy, perplexity and token accuracy on
// pre-collated batches that are reused for every point.
#pragma once

#include <memory>
#include <vector>

#include "tlt/data/batching.h"
#include "tlt/data/data_options.h"
#include "tlt/data/parallel_corpus.h"
#include "tlt/data/vocabulary.h"
#include "tlt/landscape/evaluation_set.h"
#include "tlt/landscape/surface_model.h"
#include "tlt/model/transformer.h"
#include "tlt/train/run_config.h"

namespace tlt::landscape {

/// The batches that a Transformer surface is evaluated on, and their description for the JSON sidecar.
struct EvaluationBatches {
  std::vector<data::Batch> batches;
  nlohmann::json description;
};

/// Takes the first `evaluation.size` pairs of `split` in corpus order, sorts them by length and cuts them
/// into batches of at most evaluation.batch_tokens padded target tokens (or, where that is 0, with
/// data.batch_unit and data.batch_size). Throws ConfigError for an empty evaluation set.
EvaluationBatches make_evaluation_batches(const data::ParallelCorpus& split, const data::Vocabulary& vocabulary,
                                          const data::DataOptions& data, const EvaluationSetOptions& evaluation);

class TransformerSurfaceModel : public SurfaceModel {
 public:
  /// `batches` are collated once; `evaluation_set` describes them for the JSON sidecar.
  TransformerSurfaceModel(model::Transformer model, std::vector<data::Batch> batches, int64_t pad_idx,
                          nlohmann::json evaluation_set);

  /// Prepares the data of `config` (the cached SentencePiece model and corpus), batches the evaluation set
  /// with make_evaluation_batches, and builds the model of config.model with random weights (load a
  /// checkpoint into module() before evaluating). Throws ConfigError for an empty evaluation set and the
  /// errors of data::prepare_data.
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
