// One decoder step at a time: the interface that greedy and beam search drive, with an incremental
// implementation that caches keys and values and a reference one that recomputes the whole prefix.
//
// Both run the model's own modules (embedding with its scaling, attention, feed-forward, output
// projection with its logit scaling), so decoding computes the function that training optimised.
// Callers put the model in eval mode and disable autograd (see search.h).
#pragma once

#include <ATen/core/Tensor.h>

#include <memory>
#include <vector>

#include "tlt/model/multi_head_attention.h"
#include "tlt/model/transformer.h"

namespace tlt::decode {

/// N rows of partial target sequences (N = sentences x beams) decoded against encoder memory. Row r
/// starts empty; each step() appends one token to every row.
class StepDecoder {
 public:
  virtual ~StepDecoder() = default;

  /// Appends `tokens` [N] int64 (bos at the first step) to the rows and returns the log-probabilities
  /// of the next token, [N, V] float.
  virtual at::Tensor step(const at::Tensor& tokens) = 0;

  /// Keeps the rows `rows` [N'] int64 (indices into the current rows, repeats allowed) in that order:
  /// beam search reorders and copies rows with it, and finished sentences are dropped with it.
  virtual void select_rows(const at::Tensor& rows) = 0;

  /// Tokens appended to each row so far.
  virtual int64_t length() const = 0;
};

/// Incremental decoding. Each layer caches the self-attention keys and values of earlier positions
/// ([N, H, t, Dk] and [N, H, t, Dv]) and extends them by one position per step. The encoder memory is
/// projected into each layer's cross-attention keys and values once. A step costs O(t) instead of the
/// O(t^2) of recomputing the prefix. Positions never hold padding, so no self-attention mask is needed
/// (search never emits pad).
class IncrementalDecoder : public StepDecoder {
 public:
  /// memory [N, S, D] and src_mask [N, 1, S] come from model->encode(), one row per hypothesis.
  IncrementalDecoder(model::Transformer model, const at::Tensor& memory, const at::Tensor& src_mask);

  at::Tensor step(const at::Tensor& tokens) override;
  void select_rows(const at::Tensor& rows) override;
  int64_t length() const override { return length_; }

 private:
  model::Transformer model_;
  std::vector<std::shared_ptr<model::DecoderLayerImpl>> layers_;
  std::vector<model::AttentionMemory> self_attention_cache_;    ///< per layer, [N, H, t, Dk] and [N, H, t, Dv]
  std::vector<model::AttentionMemory> cross_attention_memory_;  ///< per layer, [N, H, S, Dk] and [N, H, S, Dv]
  at::Tensor src_mask_;                                         ///< [N, 1, S]
  int64_t length_ = 0;
};

/// Reference implementation: every step runs the full decoder forward over the whole prefix [N, t]
/// with the training masks and keeps the last position. Slow; it exists to check IncrementalDecoder.
class RecomputingDecoder : public StepDecoder {
 public:
  RecomputingDecoder(model::Transformer model, const at::Tensor& memory, const at::Tensor& src_mask);

  at::Tensor step(const at::Tensor& tokens) override;
  void select_rows(const at::Tensor& rows) override;
  int64_t length() const override;

 private:
  model::Transformer model_;
  at::Tensor memory_;    ///< [N, S, D]
  at::Tensor src_mask_;  ///< [N, 1, S]
  at::Tensor prefix_;    ///< [N, t] int64, undefined before the first step
};

/// An IncrementalDecoder if `use_cache`, else a RecomputingDecoder.
std::unique_ptr<StepDecoder> make_step_decoder(const model::Transformer& model, const at::Tensor& memory,
                                               const at::Tensor& src_mask, bool use_cache);

}  // namespace tlt::decode
