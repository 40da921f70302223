#include "tlt/decode/step_decoder.h"

#include <ATen/ATen.h>

#include "tlt/util/shapes.h"

namespace tlt::decode {

namespace {

/// Log-probabilities in float32 whatever the model's dtype, so that search compares scores in one
/// precision.
at::Tensor log_probabilities(const at::Tensor& logits) { return at::log_softmax(logits.to(at::kFloat), -1); }

}  // namespace

IncrementalDecoder::IncrementalDecoder(model::Transformer model, const at::Tensor& memory, const at::Tensor& src_mask)
    : model_(std::move(model)), src_mask_(src_mask) {
  check_shape(memory, {-1, -1, model_->options().d_model}, "memory [N, S, D]");
  check_shape(src_mask, {memory.size(0), 1, memory.size(1)}, "src_mask [N, 1, S]");
  const auto& stack = model_->decoder->layer_stack;
  for (size_t i = 0; i < stack->size(); ++i) {
    layers_.push_back(stack->ptr<model::DecoderLayerImpl>(i));
    cross_attention_memory_.push_back(layers_.back()->enc_attn->project_memory(memory));
  }
  self_attention_cache_.resize(layers_.size());
}

at::Tensor IncrementalDecoder::step(const at::Tensor& tokens) {
  check_shape(tokens, {src_mask_.size(0)}, "tokens [N]");

  // The same sublayers in the same order as DecoderLayerImpl::forward, for the one new position.
  at::Tensor x = model_->decoder->embed(tokens.unsqueeze(1), length_);  // [N, 1, D]
  for (size_t i = 0; i < layers_.size(); ++i) {
    model::DecoderLayerImpl& layer = *layers_[i];
    model::AttentionMemory& cache = self_attention_cache_[i];
    const model::AttentionMemory current = layer.slf_attn->project_memory(x);  // [N, H, 1, Dk], [N, H, 1, Dv]
    if (length_ == 0) {
      cache = current;
    } else {
      cache.keys = at::cat({cache.keys, current.keys}, 2);
      cache.values = at::cat({cache.values, current.values}, 2);
    }
    // The new position attends to itself and every earlier one, as the causal mask allows in training.
    at::Tensor hidden = layer.slf_attn->attend(x, cache, at::Tensor());
    hidden = layer.enc_attn->attend(hidden, cross_attention_memory_[i], src_mask_);
    x = layer.pos_ffn->forward(hidden);
  }
  ++length_;
  return log_probabilities(model_->project(x).squeeze(1));  // [N, V]
}

void IncrementalDecoder::select_rows(const at::Tensor& rows) {
  for (auto& cache : self_attention_cache_) {
    if (!cache.keys.defined()) continue;
    cache.keys = cache.keys.index_select(0, rows);
    cache.values = cache.values.index_select(0, rows);
  }
  for (auto& memory : cross_attention_memory_) {
    memory.keys = memory.keys.index_select(0, rows);
    memory.values = memory.values.index_select(0, rows);
  }
  src_mask_ = src_mask_.index_select(0, rows);
}

RecomputingDecoder::RecomputingDecoder(model::Transformer model, const at::Tensor& memory, const at::Tensor& src_mask)
    : model_(std::move(model)), memory_(memory), src_mask_(src_mask) {
  check_shape(memory, {-1, -1, model_->options().d_model}, "memory [N, S, D]");
  check_shape(src_mask, {memory.size(0), 1, memory.size(1)}, "src_mask [N, 1, S]");
}

at::Tensor RecomputingDecoder::step(const at::Tensor& tokens) {
  check_shape(tokens, {memory_.size(0)}, "tokens [N]");
  prefix_ = prefix_.defined() ? at::cat({prefix_, tokens.unsqueeze(1)}, 1) : tokens.unsqueeze(1);  // [N, t]
  const at::Tensor trg_mask = model::make_causal_mask(prefix_, model_->options().pad_idx);
  const at::Tensor states = model_->decoder->forward(prefix_, trg_mask, memory_, src_mask_);  // [N, t, D]
  return log_probabilities(model_->project(states.select(1, states.size(1) - 1)));            // [N, V]
}

void RecomputingDecoder::select_rows(const at::Tensor& rows) {
  memory_ = memory_.index_select(0, rows);
  src_mask_ = src_mask_.index_select(0, rows);
  if (prefix_.defined()) prefix_ = prefix_.index_select(0, rows);
}

int64_t RecomputingDecoder::length() const { return prefix_.defined() ? prefix_.size(1) : 0; }

std::unique_ptr<StepDecoder> make_step_decoder(const model::Transformer& model, const at::Tensor& memory,
                                               const at::Tensor& src_mask, bool use_cache) {
  if (use_cache) return std::make_unique<IncrementalDecoder>(model, memory, src_mask);
  return std::make_unique<RecomputingDecoder>(model, memory, src_mask);
}

}  // namespace tlt::decode
