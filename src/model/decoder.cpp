#include "tlt/model/decoder.h"

#include <ATen/ATen.h>

#include <cmath>

namespace tlt::model {

DecoderLayerImpl::DecoderLayerImpl(const TransformerOptions& o) {
  slf_attn = register_module("slf_attn", MultiHeadAttention(o.n_head, o.d_model, o.d_k, o.d_v, o.dropout));
  enc_attn = register_module("enc_attn", MultiHeadAttention(o.n_head, o.d_model, o.d_k, o.d_v, o.dropout));
  pos_ffn = register_module("pos_ffn", PositionwiseFeedForward(o.d_model, o.d_inner, o.dropout));
}

at::Tensor DecoderLayerImpl::forward(const at::Tensor& x, const at::Tensor& memory, const at::Tensor& trg_mask,
                                     const at::Tensor& src_mask) {
  at::Tensor hidden = slf_attn->forward(x, x, trg_mask);
  hidden = enc_attn->forward(hidden, memory, src_mask);
  return pos_ffn->forward(hidden);
}

DecoderImpl::DecoderImpl(const TransformerOptions& o, int64_t vocab_size, bool scale_embedding,
                         at::Tensor shared_weight)
    : dropout(o.dropout), embedding_scale(scale_embedding ? std::sqrt(static_cast<double>(o.d_model)) : 1.0) {
  trg_word_emb = register_module("trg_word_emb", Embedding(vocab_size, o.d_model, o.pad_idx, shared_weight));
  position_enc = register_module("position_enc", PositionalEncoding(o.d_model, o.n_position));
  layer_stack = register_module("layer_stack", torch::nn::ModuleList());
  for (int64_t i = 0; i < o.n_layers; ++i) layer_stack->push_back(DecoderLayer(o));
  layer_norm = register_module("layer_norm", LayerNorm(o.d_model));
}

at::Tensor DecoderImpl::embed(const at::Tensor& trg_in, int64_t offset) {
  at::Tensor x = trg_word_emb->forward(trg_in);  // [B, T, D]
  if (embedding_scale != 1.0) x = x * embedding_scale;
  const int64_t length = trg_in.size(1);
  if (offset + length > position_enc->pos_table.size(1)) {
    // Reuse the table's own range check and message.
    position_enc->forward(at::empty({1, offset + length, 0}));
  }
  x = x + position_enc->pos_table.narrow(1, offset, length);
  return layer_norm->forward(at::dropout(x, dropout, is_training()));
}

at::Tensor DecoderImpl::forward(const at::Tensor& trg_in, const at::Tensor& trg_mask, const at::Tensor& memory,
                                const at::Tensor& src_mask) {
  at::Tensor x = embed(trg_in);
  for (const auto& layer : *layer_stack) x = layer->as<DecoderLayer>()->forward(x, memory, trg_mask, src_mask);
  return x;
}

}  // namespace tlt::model
