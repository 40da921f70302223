#include "tlt/model/multi_head_attention.h"

#include <ATen/ATen.h>

#include <cmath>

namespace tlt::model {

MultiHeadAttentionImpl::MultiHeadAttentionImpl(int64_t n_head, int64_t d_model, int64_t d_k, int64_t d_v,
                                               double dropout)
    : n_head(n_head), d_k(d_k), d_v(d_v), dropout(dropout) {
  w_qs = register_module("w_qs", Linear(d_model, n_head * d_k, false));
  w_ks = register_module("w_ks", Linear(d_model, n_head * d_k, false));
  w_vs = register_module("w_vs", Linear(d_model, n_head * d_v, false));
  fc = register_module("fc", Linear(n_head * d_v, d_model, false));
  layer_norm = register_module("layer_norm", LayerNorm(d_model));
}

AttentionMemory MultiHeadAttentionImpl::project_memory(const at::Tensor& kv_in) {
  const int64_t batch = kv_in.size(0);
  const int64_t length = kv_in.size(1);
  AttentionMemory memory;
  memory.keys = w_ks->forward(kv_in).view({batch, length, n_head, d_k}).transpose(1, 2);    // [B, H, Lk, Dk]
  memory.values = w_vs->forward(kv_in).view({batch, length, n_head, d_v}).transpose(1, 2);  // [B, H, Lk, Dv]
  return memory;
}

at::Tensor MultiHeadAttentionImpl::forward(const at::Tensor& q_in, const at::Tensor& kv_in, const at::Tensor& mask) {
  return attend(q_in, project_memory(kv_in), mask);
}

at::Tensor MultiHeadAttentionImpl::attend(const at::Tensor& q_in, const AttentionMemory& memory,
                                          const at::Tensor& mask) {
  const int64_t batch = q_in.size(0);
  const int64_t length = q_in.size(1);
  at::Tensor queries = w_qs->forward(q_in).view({batch, length, n_head, d_k}).transpose(1, 2);  // [B, H, Lq, Dk]

  // The reference divides the queries by the temperature sqrt(Dk) before the product; keeping that
  // order reproduces its logits to the last bit.
  const double temperature = std::sqrt(static_cast<double>(d_k));
  at::Tensor scores = at::matmul(queries / temperature, memory.keys.transpose(2, 3));  // [B, H, Lq, Lk]
  if (mask.defined()) scores = scores.masked_fill(mask.unsqueeze(1).logical_not(), -1e9);
  at::Tensor weights = at::dropout(at::softmax(scores, -1), dropout, is_training());
  at::Tensor context = at::matmul(weights, memory.values);  // [B, H, Lq, Dv]

  context = context.transpose(1, 2).contiguous().view({batch, length, n_head * d_v});
  at::Tensor output = at::dropout(fc->forward(context), dropout, is_training());
  return layer_norm->forward(output + q_in);
}

}  // namespace tlt::model
