// Options of the encoder-decoder Transformer (Vaswani et al. 2017), YAML section "model".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tlt::config {
class Schema;
}

namespace tlt::model {

struct TransformerOptions {
  int64_t d_model = 512;         ///< model width D (embeddings, residual stream)
  int64_t d_inner = 2048;        ///< feed-forward width F
  int64_t n_layers = 6;          ///< layers L in the encoder and, separately, in the decoder
  int64_t n_head = 8;            ///< attention heads H
  int64_t d_k = 64;              ///< per-head width of queries and keys
  int64_t d_v = 64;              ///< per-head width of values
  double dropout = 0.1;          ///< dropout probability in training (evaluation never drops)
  int64_t n_position = 200;      ///< rows of the sinusoidal position table: the longest sequence, bos/eos included
  bool share_embeddings = true;  ///< one embedding matrix for source and target tokens
  bool share_projection = true;  ///< output projection tied to the target embedding (logits scaled by D^-0.5)
  int64_t pad_idx = 0;           ///< padding token id: masked in attention, no embedding gradient
};

void bind(config::Schema& schema, const std::string& prefix, TransformerOptions& options);

/// Cross-field checks (for example share_embeddings needs equal vocabularies); one message per violation.
std::vector<std::string> validate(const TransformerOptions& options);

}  // namespace tlt::model
