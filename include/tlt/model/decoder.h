// Transformer decoder: embedding, position table, LayerNorm, then L layers of masked self-attention,
// encoder-decoder attention and feed-forward.
#pragma once

#include <torch/nn/modules/container/modulelist.h>

#include <vector>

#include "tlt/model/multi_head_attention.h"
#include "tlt/model/transformer_options.h"

namespace tlt::model {

/// Submodules "slf_attn", "enc_attn" and "pos_ffn".
class DecoderLayerImpl : public torch::nn::Module {
 public:
  explicit DecoderLayerImpl(const TransformerOptions& options);
  /// x [B, T, D], memory [B, S, D], trg_mask [B, T, T] (causal and non-pad), src_mask [B, 1, S] -> [B, T, D]
  at::Tensor forward(const at::Tensor& x, const at::Tensor& memory, const at::Tensor& trg_mask,
                     const at::Tensor& src_mask);
  MultiHeadAttention slf_attn{nullptr};
  MultiHeadAttention enc_attn{nullptr};
  PositionwiseFeedForward pos_ffn{nullptr};
};
TORCH_MODULE(DecoderLayer);

/// Submodules "trg_word_emb", "position_enc", "layer_stack" and "layer_norm".
class DecoderImpl : public torch::nn::Module {
 public:
  DecoderImpl(const TransformerOptions& options, int64_t vocab_size, bool scale_embedding,
              at::Tensor shared_weight = {});
  /// trg_in [B, T] int64 (decoder input), trg_mask [B, T, T], memory [B, S, D], src_mask [B, 1, S]
  /// -> [B, T, D]
  at::Tensor forward(const at::Tensor& trg_in, const at::Tensor& trg_mask, const at::Tensor& memory,
                     const at::Tensor& src_mask);

  /// Embeds target tokens at positions [offset, offset + T): scaled embedding + position table, dropout,
  /// LayerNorm. trg_in [B, T] -> [B, T, D]. Used by forward() and by incremental decoding.
  at::Tensor embed(const at::Tensor& trg_in, int64_t offset = 0);

  Embedding trg_word_emb{nullptr};
  PositionalEncoding position_enc{nullptr};
  torch::nn::ModuleList layer_stack;
  LayerNorm layer_norm{nullptr};
  double dropout;
  double embedding_scale;
};
TORCH_MODULE(Decoder);

}  // namespace tlt::model
