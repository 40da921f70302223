// Building blocks with the parameter names of the reference PyTorch reimplementation of "Attention is
// all you need" (jadore801120/attention-is-all-you-need-pytorch), so that its state_dicts load as is.
//
// Parameter names registered here are a file format (checkpoints, masks and directions are keyed by
// them): keep them stable.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

namespace tlt::model {

/// y = x W^T (+ b). Parameters "weight" [out, in] and, if enabled, "bias" [out]. Given an existing
/// weight, registers that same tensor (a tied output projection).
class LinearImpl : public torch::nn::Module {
 public:
  LinearImpl(int64_t in_features, int64_t out_features, bool with_bias, at::Tensor shared_weight = {});
  at::Tensor forward(const at::Tensor& x) const;  ///< [*, in] -> [*, out]
  at::Tensor weight;
  at::Tensor bias;  ///< undefined without bias
};
TORCH_MODULE(Linear);

/// LayerNorm over the last dimension with eps 1e-6, as the reference uses. Parameters "weight", "bias".
class LayerNormImpl : public torch::nn::Module {
 public:
  explicit LayerNormImpl(int64_t width);
  at::Tensor forward(const at::Tensor& x) const;
  at::Tensor weight;
  at::Tensor bias;
  int64_t width;
};
TORCH_MODULE(LayerNorm);

/// Token embedding, parameter "weight" [V, D]. Given an existing weight, registers that same tensor
/// (tied embeddings). Rows of `pad_idx` receive no gradient, as with PyTorch's padding_idx.
class EmbeddingImpl : public torch::nn::Module {
 public:
  EmbeddingImpl(int64_t vocab_size, int64_t width, int64_t pad_idx, at::Tensor shared_weight = {});
  at::Tensor forward(const at::Tensor& tokens) const;  ///< [B, L] int64 -> [B, L, D]
  at::Tensor weight;
  int64_t pad_idx;
};
TORCH_MODULE(Embedding);

/// Sinusoidal position table (Vaswani et al. 2017, section 3.5) as buffer "pos_table" [1, n_position, D],
/// computed in float64 and rounded to float32 like the reference's numpy code.
class PositionalEncodingImpl : public torch::nn::Module {
 public:
  PositionalEncodingImpl(int64_t width, int64_t n_position);
  at::Tensor forward(const at::Tensor& x) const;  ///< [B, L, D] -> x + table[:, :L]; throws if L > n_position
  at::Tensor pos_table;
};
TORCH_MODULE(PositionalEncoding);

/// Position-wise feed-forward block with residual and post-LayerNorm:
/// LayerNorm(x + Dropout(W2 ReLU(W1 x + b1) + b2)). Parameters "w_1", "w_2", "layer_norm".
class PositionwiseFeedForwardImpl : public torch::nn::Module {
 public:
  PositionwiseFeedForwardImpl(int64_t d_model, int64_t d_inner, double dropout);
  at::Tensor forward(const at::Tensor& x);  ///< [B, L, D] -> [B, L, D]
  Linear w_1{nullptr};
  Linear w_2{nullptr};
  LayerNorm layer_norm{nullptr};
  double dropout;
};
TORCH_MODULE(PositionwiseFeedForward);

}  // namespace tlt::model
