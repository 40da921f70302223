// The encoder-decoder Transformer of Vaswani et al. (2017) with the parameter names of the reference
// PyTorch reimplementation: "encoder.*", "decoder.*" and "trg_word_prj.weight".
//
// Scaling: with a tied output projection the logits are multiplied by D^-0.5 (the reference's default
// "prj" mode); without it the embeddings are multiplied by D^0.5, as in the paper, section 3.4.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include "tlt/model/decoder.h"
#include "tlt/model/encoder.h"
#include "tlt/model/layers.h"
#include "tlt/model/transformer_options.h"

namespace tlt::model {

class TransformerImpl : public torch::nn::Module {
 public:
  /// Builds the model with deterministic initialisation from the current default generator: Xavier-uniform
  /// for every parameter with 2 or more dimensions (as the reference), LayerNorm weight 1 and bias 0,
  /// linear biases uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)).
  TransformerImpl(const TransformerOptions& options, int64_t vocab_size);

  /// src [B, S] int64, trg_in [B, T] int64 (the decoder input, trg[:, :-1]) -> logits [B, T, V].
  at::Tensor forward(const at::Tensor& src, const at::Tensor& trg_in);

  /// Encodes a source batch: src [B, S] -> memory [B, S, D]; also returns src_mask [B, 1, S].
  std::pair<at::Tensor, at::Tensor> encode(const at::Tensor& src);

  /// Output projection of decoder states [B, T, D] -> logits [B, T, V], with the scaling above.
  at::Tensor project(const at::Tensor& states);

  const TransformerOptions& options() const { return options_; }
  int64_t vocab_size() const { return vocab_size_; }

  Encoder encoder{nullptr};
  Decoder decoder{nullptr};
  Linear trg_word_prj{nullptr};

 private:
  TransformerOptions options_;
  int64_t vocab_size_;
  double logit_scale_;
};
TORCH_MODULE(Transformer);

/// Boolean [B, 1, L] mask, true at tokens that are not `pad_idx`.
at::Tensor make_pad_mask(const at::Tensor& tokens, int64_t pad_idx);

/// Boolean [B, T, T] mask for decoder self-attention: true where position i may see position j <= i and
/// j is not padding.
at::Tensor make_causal_mask(const at::Tensor& trg_in, int64_t pad_idx);

}  // namespace tlt::model
