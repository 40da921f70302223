// Transformer encoder: embedding, position table, LayerNorm, then L self-attention layers.
#pragma once

#include <torch/nn/modules/container/modulelist.h>

#include "tlt/model/multi_head_attention.h"
#include "tlt/model/transformer_options.h"

namespace tlt::model {

/// Self-attention then feed-forward, each with residual and post-LayerNorm.
/// Submodules "slf_attn" and "pos_ffn".
class EncoderLayerImpl : public torch::nn::Module {
 public:
  explicit EncoderLayerImpl(const TransformerOptions& options);
  /// x [B, S, D], src_mask [B, 1, S] (true at real tokens) -> [B, S, D]
  at::Tensor forward(const at::Tensor& x, const at::Tensor& src_mask);
  MultiHeadAttention slf_attn{nullptr};
  PositionwiseFeedForward pos_ffn{nullptr};
};
TORCH_MODULE(EncoderLayer);

/// Submodules "src_word_emb", "position_enc", "layer_stack" and "layer_norm". The reference normalises the
/// embedded input once before the first layer, and so does this encoder.
class EncoderImpl : public torch::nn::Module {
 public:
  /// `vocab_size` is V; `shared_weight` ties the embedding to an existing [V, D] tensor if defined.
  EncoderImpl(const TransformerOptions& options, int64_t vocab_size, bool scale_embedding,
              at::Tensor shared_weight = {});
  /// src [B, S] int64, src_mask [B, 1, S] -> [B, S, D]
  at::Tensor forward(const at::Tensor& src, const at::Tensor& src_mask);

  Embedding src_word_emb{nullptr};
  PositionalEncoding position_enc{nullptr};
  torch::nn::ModuleList layer_stack;
  LayerNorm layer_norm{nullptr};
  double dropout;
  double embedding_scale;  ///< sqrt(D) when embeddings are scaled, else 1
};
TORCH_MODULE(Encoder);

}  // namespace tlt::model
