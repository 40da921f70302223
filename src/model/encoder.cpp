#include "tlt/model/encoder.h"

#include <ATen/ATen.h>

#include <cmath>

namespace tlt::model {

EncoderLayerImpl::EncoderLayerImpl(const TransformerOptions& o) {
  slf_attn = register_module("slf_attn", MultiHeadAttention(o.n_head, o.d_model, o.d_k, o.d_v, o.dropout));
  pos_ffn = register_module("pos_ffn", PositionwiseFeedForward(o.d_model, o.d_inner, o.dropout));
}

at::Tensor EncoderLayerImpl::forward(const at::Tensor& x, const at::Tensor& src_mask) {
  return pos_ffn->forward(slf_attn->forward(x, x, src_mask));
}

EncoderImpl::EncoderImpl(const TransformerOptions& o, int64_t vocab_size, bool scale_embedding,
                         at::Tensor shared_weight)
    : dropout(o.dropout), embedding_scale(scale_embedding ? std::sqrt(static_cast<double>(o.d_model)) : 1.0) {
  src_word_emb = register_module("src_word_emb", Embedding(vocab_size, o.d_model, o.pad_idx, shared_weight));
  position_enc = register_module("position_enc", PositionalEncoding(o.d_model, o.n_position));
  layer_stack = register_module("layer_stack", torch::nn::ModuleList());
  for (int64_t i = 0; i < o.n_layers; ++i) layer_stack->push_back(EncoderLayer(o));
  layer_norm = register_module("layer_norm", LayerNorm(o.d_model));
}

at::Tensor EncoderImpl::forward(const at::Tensor& src, const at::Tensor& src_mask) {
  at::Tensor x = src_word_emb->forward(src);  // [B, S, D]
  if (embedding_scale != 1.0) x = x * embedding_scale;
  x = layer_norm->forward(at::dropout(position_enc->forward(x), dropout, is_training()));
  for (const auto& layer : *layer_stack) x = layer->as<EncoderLayer>()->forward(x, src_mask);
  return x;
}

}  // namespace tlt::model
