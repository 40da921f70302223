// The learner of the synth-attn study: one multi-head self-attention block, a mean over the sequence and
// a linear classifier, plus its evaluation without autograd.
//
//   logits = classifier(mean over S of MultiHeadAttention(x, x))      x [B, S, D] -> logits [B, C]
//
// MultiHeadAttention is the Transformer's block (bias-free projections, residual and post-LayerNorm).
// Every sequence has the full length S, so the mean needs no mask. Parameter names, which checkpoints
// and landscape directions are keyed by: attention.w_qs.weight, attention.w_ks.weight,
// attention.w_vs.weight, attention.fc.weight, attention.layer_norm.weight, attention.layer_norm.bias,
// classifier.weight [C, D], classifier.bias [C].
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tlt/model/layers.h"
#include "tlt/model/multi_head_attention.h"
#include "tlt/synth/synthetic_task.h"

namespace tlt::config {
class Schema;
}

namespace tlt::synth {

struct LearnerOptions {
  int64_t n_head = 2;    ///< attention heads (H)
  int64_t d_k = 16;      ///< per-head width of queries and keys (Dk)
  int64_t d_v = 16;      ///< per-head width of values (Dv)
  double dropout = 0.0;  ///< dropout on the attention weights and the attention output while training
};

/// Registers every field under `prefix` (for example "model."), with its allowed range.
void bind(config::Schema& schema, const std::string& prefix, LearnerOptions& options);

/// Returns every cross-field violation; the learner has none beyond the field ranges, so this is empty.
std::vector<std::string> validate(const LearnerOptions& options);

class AttentionClassifierImpl : public torch::nn::Module {
 public:
  /// Initialises the weights from LibTorch's global generator, like every tlt module.
  AttentionClassifierImpl(int64_t d_model, int64_t n_classes, const LearnerOptions& options);

  /// inputs [B, S, D] float32 -> logits [B, C]. Throws ShapeError for inputs of another width or rank.
  at::Tensor forward(const at::Tensor& inputs);

  model::MultiHeadAttention attention{nullptr};
  model::Linear classifier{nullptr};
  int64_t d_model;
  int64_t n_classes;
};
TORCH_MODULE(AttentionClassifier);

/// Builds the learner for `task` with its initial weights: seeds LibTorch's global generator with `seed`,
/// then constructs the module, so the same seed gives the same weights (and Python's torch.manual_seed
/// followed by the same initialisers gives them too).
AttentionClassifier make_learner(const TaskOptions& task, const LearnerOptions& options, int64_t seed);

/// Mean cross-entropy loss and accuracy of a model on one split.
struct Evaluation {
  double loss = 0.0;      ///< mean cross-entropy over the split's samples, in nats
  double accuracy = 0.0;  ///< share of samples whose argmax logit is the label, in [0, 1]
};

/// Evaluates `model` on `split` in eval mode (no dropout) and without autograd, `batch_size` samples at a
/// time; sums are accumulated in float64. The model's training mode is restored afterwards. Throws
/// std::invalid_argument for an empty split or batch_size < 1.
Evaluation evaluate(AttentionClassifier& model, const SyntheticSplit& split, int64_t batch_size = 1024);

}  // namespace tlt::synth
