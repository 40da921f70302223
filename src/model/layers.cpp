#include "tlt/model/layers.h"

#include <ATen/ATen.h>
#include <torch/nn/init.h>

#include <cmath>

#include "tlt/util/error.h"
#include "tlt/util/shapes.h"

namespace tlt::model {

LinearImpl::LinearImpl(int64_t in_features, int64_t out_features, bool with_bias, at::Tensor shared_weight) {
  if (shared_weight.defined()) {
    check_shape(shared_weight, {out_features, in_features}, "shared projection weight [out, in]");
    weight = register_parameter("weight", shared_weight);
  } else {
    weight = register_parameter("weight", at::empty({out_features, in_features}));
    torch::nn::init::xavier_uniform_(weight);
  }
  if (with_bias) {
    // nn.Linear's bias initialisation: uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    const double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
    bias = register_parameter("bias", at::empty({out_features}));
    torch::NoGradGuard no_grad;
    bias.uniform_(-bound, bound);
  }
}

at::Tensor LinearImpl::forward(const at::Tensor& x) const { return at::linear(x, weight, bias); }

LayerNormImpl::LayerNormImpl(int64_t width) : width(width) {
  weight = register_parameter("weight", at::ones({width}));
  bias = register_parameter("bias", at::zeros({width}));
}

at::Tensor LayerNormImpl::forward(const at::Tensor& x) const {
  // eps 1e-6 as in the reference implementation (PyTorch's default is 1e-5).
  return at::layer_norm(x, {width}, weight, bias, 1e-6);
}

EmbeddingImpl::EmbeddingImpl(int64_t vocab_size, int64_t width, int64_t pad_idx, at::Tensor shared_weight)
    : pad_idx(pad_idx) {
  if (shared_weight.defined()) {
    check_shape(shared_weight, {vocab_size, width}, "shared embedding weight [V, D]");
    weight = register_parameter("weight", shared_weight);
  } else {
    weight = register_parameter("weight", at::empty({vocab_size, width}));
    torch::nn::init::xavier_uniform_(weight);
  }
}

at::Tensor EmbeddingImpl::forward(const at::Tensor& tokens) const {
  return at::embedding(weight, tokens, pad_idx, /*scale_grad_by_freq=*/false, /*sparse=*/false);
}

PositionalEncodingImpl::PositionalEncodingImpl(int64_t width, int64_t n_position) {
  // table[pos, j] = sin or cos of pos / 10000^(2 * floor(j / 2) / D): sin on even j, cos on odd j.
  at::Tensor table = at::empty({n_position, width}, at::kDouble);
  auto values = table.accessor<double, 2>();
  for (int64_t pos = 0; pos < n_position; ++pos) {
    for (int64_t j = 0; j < width; ++j) {
      const double angle =
          static_cast<double>(pos) / std::pow(10000.0, 2.0 * static_cast<double>(j / 2) / static_cast<double>(width));
      values[pos][j] = (j % 2 == 0) ? std::sin(angle) : std::cos(angle);
    }
  }
  pos_table = register_buffer("pos_table", table.to(at::kFloat).unsqueeze(0));
}

at::Tensor PositionalEncodingImpl::forward(const at::Tensor& x) const {
  const int64_t length = x.size(1);
  if (length > pos_table.size(1)) {
    throw ShapeError("sequence of " + std::to_string(length) + " tokens exceeds the position table (" +
                     std::to_string(pos_table.size(1)) + " positions); raise model.n_position or lower data.max_len");
  }
  return x + pos_table.narrow(1, 0, length);
}

PositionwiseFeedForwardImpl::PositionwiseFeedForwardImpl(int64_t d_model, int64_t d_inner, double dropout)
    : dropout(dropout) {
  w_1 = register_module("w_1", Linear(d_model, d_inner, true));
  w_2 = register_module("w_2", Linear(d_inner, d_model, true));
  layer_norm = register_module("layer_norm", LayerNorm(d_model));
}

at::Tensor PositionwiseFeedForwardImpl::forward(const at::Tensor& x) {
  at::Tensor hidden = w_2->forward(at::relu(w_1->forward(x)));
  hidden = at::dropout(hidden, dropout, is_training());
  return layer_norm->forward(hidden + x);
}

}  // namespace tlt::model
