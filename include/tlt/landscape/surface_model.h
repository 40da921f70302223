// The model-agnostic interface that a loss surface evaluates: a module whose parameters the landscape
// overwrites in place, and an evaluation of that module on a fixed evaluation set.
//
// Adapters: TransformerSurfaceModel (transformer_surface_model.h) and SynthSurfaceModel
// (synth_surface_model.h). Another model plugs in by implementing these four functions.
#pragma once

#include <torch/nn/module.h>

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

namespace tlt::landscape {

/// Metrics of one evaluation over the whole evaluation set.
struct PointMetrics {
  double loss = NAN;      ///< mean plain cross-entropy (no label smoothing), in nats per target token or sample
  double ppl = NAN;       ///< exp(min(loss, 100)); NaN for a model without perplexity (synth-attn)
  double accuracy = NAN;  ///< share of target tokens (or samples) whose argmax prediction is right, in [0, 1]
};

class SurfaceModel {
 public:
  virtual ~SurfaceModel() = default;

  /// The module whose parameters space::set_weights overwrites. Must stay the same object.
  virtual torch::nn::Module& module() = 0;

  /// Evaluates the module's current weights on the fixed evaluation set, in eval mode (no dropout) and
  /// without autograd. Must be deterministic for given weights and thread count, and must not change the
  /// weights. A diverged model returns NaN or infinite metrics rather than throwing.
  virtual PointMetrics evaluate() = 0;

  /// Short model name for the JSON sidecar: "transformer" or "synth-attn".
  virtual std::string model_type() const = 0;

  /// What the evaluation set is (split, size, batching), for the JSON sidecar and the arguments hash.
  virtual nlohmann::json describe_evaluation_set() const = 0;
};

}  // namespace tlt::landscape
