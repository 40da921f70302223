#include "tlt/synth/attention_classifier.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <stdexcept>

#include "tlt/config/schema.h"
#include "tlt/util/shapes.h"
#include "tlt/util/torch_compat.h"

namespace tlt::synth {

void bind(config::Schema& schema, const std::string& prefix, LearnerOptions& options) {
  schema.field(prefix + "n_head", options.n_head, "attention heads of the learner").min(1);
  schema.field(prefix + "d_k", options.d_k, "per-head width of the learner's queries and keys").min(1);
  schema.field(prefix + "d_v", options.d_v, "per-head width of the learner's values").min(1);
  schema.field(prefix + "dropout", options.dropout, "dropout on attention weights and output while training")
      .min(0)
      .less_than(1);
}

std::vector<std::string> validate(const LearnerOptions& /*options*/) { return {}; }

AttentionClassifierImpl::AttentionClassifierImpl(int64_t d_model, int64_t n_classes, const LearnerOptions& options)
    : d_model(d_model), n_classes(n_classes) {
  attention = register_module(
      "attention", model::MultiHeadAttention(options.n_head, d_model, options.d_k, options.d_v, options.dropout));
  classifier = register_module("classifier", model::Linear(d_model, n_classes, /*with_bias=*/true));
}

at::Tensor AttentionClassifierImpl::forward(const at::Tensor& inputs) {
  check_shape(inputs, {-1, -1, d_model}, "synth-attn inputs [B, S, D]");
  const at::Tensor hidden = attention->forward(inputs, inputs, at::Tensor());  // [B, S, D]
  return classifier->forward(hidden.mean(1));                                  // [B, C]
}

AttentionClassifier make_learner(const TaskOptions& task, const LearnerOptions& options, int64_t seed) {
  compat::manual_seed(static_cast<uint64_t>(seed));
  return AttentionClassifier(task.d_model, task.n_classes, options);
}

Evaluation evaluate(AttentionClassifier& model, const SyntheticSplit& split, int64_t batch_size) {
  const int64_t count = split.size();
  if (count == 0) throw std::invalid_argument("evaluate: the split has no samples");
  if (batch_size < 1) throw std::invalid_argument("evaluate: batch_size must be >= 1, got " + std::to_string(batch_size));

  const bool was_training = model->is_training();
  model->eval();
  torch::NoGradGuard no_grad;
  double loss_sum = 0.0;
  int64_t correct = 0;
  for (int64_t start = 0; start < count; start += batch_size) {
    const int64_t length = std::min(batch_size, count - start);
    const at::Tensor labels = split.labels.narrow(0, start, length);
    const at::Tensor logits = model->forward(split.inputs.narrow(0, start, length));  // [b, C]
    loss_sum += at::cross_entropy_loss(logits, labels, {}, at::Reduction::Sum).item<double>();
    correct += logits.argmax(1).eq(labels).sum().item<int64_t>();
  }
  model->train(was_training);

  const auto total = static_cast<double>(count);
  return {loss_sum / total, static_cast<double>(correct) / total};
}

}  // namespace tlt::synth
