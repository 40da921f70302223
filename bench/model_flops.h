// Matrix-product FLOPs of the Transformer, the numerator of model FLOP utilisation (MFU).
//
// Counted on the padded shapes that the kernels actually process, 2 FLOPs per multiply-add: the Q, K, V
// and output projections of every attention block, the Q K^T and A V products, both feed-forward layers
// and the output projection to the vocabulary. Elementwise work (softmax, LayerNorm, dropout, the loss)
// and the embedding lookups are not counted. A training step counts 3 times the forward pass: the
// backward pass computes two products (for the input and for the weight) per forward product.
#pragma once

#include <cstdint>

#include "tlt/model/transformer_options.h"

namespace tlt::bench {

/// FLOPs of one forward pass over a batch of `batch` pairs with padded source length `src_length` (S) and
/// decoder input length `trg_length` (T, the collated target length minus 1), for vocabulary `vocab_size`.
double forward_flops(const model::TransformerOptions& options, int64_t vocab_size, int64_t batch, int64_t src_length,
                     int64_t trg_length);

/// 3 * forward_flops: the forward pass, then the backward products for activations and weights.
double training_step_flops(const model::TransformerOptions& options, int64_t vocab_size, int64_t batch,
                           int64_t src_length, int64_t trg_length);

}  // namespace tlt::bench
