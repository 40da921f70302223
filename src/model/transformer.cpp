#include "tlt/model/transformer.h"

#include <ATen/ATen.h>

#include <cmath>

#include "tlt/config/schema.h"
#include "tlt/util/shapes.h"

namespace tlt::model {

void bind(config::Schema& schema, const std::string& prefix, TransformerOptions& o) {
  schema.field(prefix + "d_model", o.d_model, "model width D").min(1);
  schema.field(prefix + "d_inner", o.d_inner, "feed-forward width F").min(1);
  schema.field(prefix + "n_layers", o.n_layers, "layers in the encoder and in the decoder").min(1);
  schema.field(prefix + "n_head", o.n_head, "attention heads H").min(1);
  schema.field(prefix + "d_k", o.d_k, "per-head width of queries and keys").min(1);
  schema.field(prefix + "d_v", o.d_v, "per-head width of values").min(1);
  schema.field(prefix + "dropout", o.dropout, "dropout probability in training").min(0).less_than(1);
  schema.field(prefix + "n_position", o.n_position, "rows of the position table (longest sequence, bos/eos included)")
      .min(2);
  schema.field(prefix + "share_embeddings", o.share_embeddings, "one embedding matrix for source and target");
  schema.field(prefix + "share_projection", o.share_projection,
               "tie the output projection to the target embedding (logits scaled by d_model^-0.5)");
  schema.field(prefix + "pad_idx", o.pad_idx, "padding token id").min(0);
}

std::vector<std::string> validate(const TransformerOptions& o) {
  std::vector<std::string> problems;
  if (o.d_model % 2 != 0) {
    problems.push_back("model.d_model = " + std::to_string(o.d_model) +
                       " must be even for the sinusoidal position table");
  }
  return problems;
}

TransformerImpl::TransformerImpl(const TransformerOptions& options, int64_t vocab_size)
    : options_(options), vocab_size_(vocab_size) {
  const bool scale_embedding = !options.share_projection;
  logit_scale_ = options.share_projection ? 1.0 / std::sqrt(static_cast<double>(options.d_model)) : 1.0;

  // Construction order fixes the order of random initialisation: decoder embedding first, so that
  // the tied tensor exists before the encoder and the projection register it.
  decoder = Decoder(options, vocab_size, scale_embedding);
  at::Tensor shared_embedding = options.share_embeddings ? decoder->trg_word_emb->weight : at::Tensor();
  encoder = Encoder(options, vocab_size, scale_embedding, shared_embedding);
  encoder = register_module("encoder", encoder);
  decoder = register_module("decoder", decoder);

  // A tied projection registers the target embedding itself: one tensor, two names.
  at::Tensor shared_projection = options.share_projection ? decoder->trg_word_emb->weight : at::Tensor();
  trg_word_prj = register_module("trg_word_prj", Linear(options.d_model, vocab_size, false, shared_projection));
}

std::pair<at::Tensor, at::Tensor> TransformerImpl::encode(const at::Tensor& src) {
  check_shape(src, {-1, -1}, "src [B, S]");
  at::Tensor src_mask = make_pad_mask(src, options_.pad_idx);
  return {encoder->forward(src, src_mask), src_mask};
}

at::Tensor TransformerImpl::project(const at::Tensor& states) {
  at::Tensor logits = trg_word_prj->forward(states);
  if (logit_scale_ != 1.0) logits = logits * logit_scale_;
  return logits;
}

at::Tensor TransformerImpl::forward(const at::Tensor& src, const at::Tensor& trg_in) {
  check_shape(trg_in, {src.size(0), -1}, "trg_in [B, T]");
  auto [memory, src_mask] = encode(src);
  at::Tensor trg_mask = make_causal_mask(trg_in, options_.pad_idx);
  return project(decoder->forward(trg_in, trg_mask, memory, src_mask));
}

at::Tensor make_pad_mask(const at::Tensor& tokens, int64_t pad_idx) { return tokens.ne(pad_idx).unsqueeze(-2); }

at::Tensor make_causal_mask(const at::Tensor& trg_in, int64_t pad_idx) {
  const int64_t length = trg_in.size(1);
  at::Tensor causal = at::ones({1, length, length}, trg_in.options().dtype(at::kBool)).tril();
  return make_pad_mask(trg_in, pad_idx) & causal;
}

}  // namespace tlt::model
