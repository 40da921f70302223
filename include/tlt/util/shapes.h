// Shape glossary used in comments on every tensor argument and return value:
//
//   B  batch size (sentences)           S  source length (tokens, padded)
//   T  target length (tokens, padded)   D  model width d_model
//   H  attention heads n_head           Dk per-head width of queries and keys (d_k); Dv of values (d_v)
//   F  feed-forward width d_inner       V  vocabulary size
//   L  layers                           N  flattened tokens (B * T)
//   C  classes (synth-attn)
//
// A boolean mask is true where attention or a loss term is allowed (a real token), false at padding.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace tlt {

/// Throws ShapeError unless `tensor` has exactly `expected` sizes; -1 in `expected` matches any size.
/// `name` identifies the argument in the message, for example "src [B, S]".
void check_shape(const at::Tensor& tensor, const std::vector<int64_t>& expected, const std::string& name);

/// Formats sizes as "[2, 5, 16]".
std::string format_shape(at::IntArrayRef sizes);

}  // namespace tlt
