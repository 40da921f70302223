#include "model_flops.h"

namespace tlt::bench {

namespace {

/// FLOPs of one attention block with `queries` query rows and `keys` key rows per sentence: the four
/// projections and the two products of every head.
double attention_flops(const model::TransformerOptions& o, double batch, double queries, double keys) {
  const double d_model = static_cast<double>(o.d_model);
  const double heads = static_cast<double>(o.n_head);
  const double query_width = heads * static_cast<double>(o.d_k);
  const double value_width = heads * static_cast<double>(o.d_v);

  const double projections = 2.0 * batch *
                             (queries * d_model * query_width      // Q = x W_q^T
                              + keys * d_model * query_width       // K = memory W_k^T
                              + keys * d_model * value_width       // V = memory W_v^T
                              + queries * value_width * d_model);  // fc over the concatenated heads
  const double products = 2.0 * batch * heads * queries * keys * static_cast<double>(o.d_k + o.d_v);  // QK^T, AV
  return projections + products;
}

/// FLOPs of the position-wise feed-forward block over `rows` positions: [rows, D] x [D, F], then x [F, D].
double feed_forward_flops(const model::TransformerOptions& o, double rows) {
  return 2.0 * 2.0 * rows * static_cast<double>(o.d_model) * static_cast<double>(o.d_inner);
}

}  // namespace

double forward_flops(const model::TransformerOptions& options, int64_t vocab_size, int64_t batch, int64_t src_length,
                     int64_t trg_length) {
  const double b = static_cast<double>(batch);
  const double s = static_cast<double>(src_length);
  const double t = static_cast<double>(trg_length);
  const double layers = static_cast<double>(options.n_layers);

  const double encoder_layer = attention_flops(options, b, s, s) + feed_forward_flops(options, b * s);
  const double decoder_layer =
      attention_flops(options, b, t, t) + attention_flops(options, b, t, s) + feed_forward_flops(options, b * t);
  const double projection = 2.0 * b * t * static_cast<double>(options.d_model) * static_cast<double>(vocab_size);
  return layers * (encoder_layer + decoder_layer) + projection;
}

double training_step_flops(const model::TransformerOptions& options, int64_t vocab_size, int64_t batch,
                           int64_t src_length, int64_t trg_length) {
  return 3.0 * forward_flops(options, vocab_size, batch, src_length, trg_length);
}

}  // namespace tlt::bench
