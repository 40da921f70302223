// Multi-head attention with residual and post-LayerNorm, as in the reference reimplementation:
//   out = LayerNorm(q_in + Dropout(fc(concat_h softmax(Q_h K_h^T / sqrt(Dk)) V_h)))
// with bias-free projections "w_qs", "w_ks", "w_vs", "fc" and "layer_norm" (eps 1e-6).
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include "tlt/model/layers.h"

namespace tlt::model {

/// Keys and values projected and split into heads, reusable across decoding steps.
struct AttentionMemory {
  at::Tensor keys;    ///< [B, H, Lk, Dk]
  at::Tensor values;  ///< [B, H, Lk, Dv]
};

class MultiHeadAttentionImpl : public torch::nn::Module {
 public:
  MultiHeadAttentionImpl(int64_t n_head, int64_t d_model, int64_t d_k, int64_t d_v, double dropout);

  /// q_in [B, Lq, D], kv_in [B, Lk, D]; mask is boolean, broadcastable to [B, Lq, Lk], true where a
  /// query may attend to a key (undefined = attend everywhere). Returns [B, Lq, D].
  at::Tensor forward(const at::Tensor& q_in, const at::Tensor& kv_in, const at::Tensor& mask);

  /// Projects keys and values of `kv_in` [B, Lk, D] into heads.
  AttentionMemory project_memory(const at::Tensor& kv_in);

  /// Attention of q_in [B, Lq, D] over precomputed memory; same mask contract as forward().
  at::Tensor attend(const at::Tensor& q_in, const AttentionMemory& memory, const at::Tensor& mask);

  Linear w_qs{nullptr};
  Linear w_ks{nullptr};
  Linear w_vs{nullptr};
  Linear fc{nullptr};
  LayerNorm layer_norm{nullptr};
  int64_t n_head;
  int64_t d_k;
  int64_t d_v;
  double dropout;
};
TORCH_MODULE(MultiHeadAttention);

}  // namespace tlt::model
