// The synthetic classification task of the synth-attn optimizer study: random input sequences labelled by
// a fixed random "teacher" attention layer.
//
// How a dataset is built from TaskOptions (all draws use PyTorch's CPU generator, so
// scripts/make_synth_fixtures.py reproduces every value in Python):
//
//   1. Teacher weights, in float64, drawn in this order from a generator seeded with 3 * seed:
//        W_q, W_k, W_v  [H, D, Dk]   entries N(0, 1 / D)
//        U              [H * Dk, C]  entries N(0, 1), each column then scaled to unit length
//   2. Inputs X [n_samples, S, D], float32, entries N(0, 1), from a generator seeded with 3 * seed + 1.
//   3. Clean labels. For each sample and head h, in float64:
//        A_h = softmax(teacher_sharpness * (X W_q[h]) (X W_k[h])^T / sqrt(Dk))   [S, S], rows sum to 1
//        Z_h = A_h X W_v[h]                                                     [S, Dk]
//      pooled = mean over the S positions of concat_h Z_h                       [H * Dk]
//      label  = argmax_c (pooled U)[c]
//   4. Label noise, from a generator seeded with 3 * seed + 2: r = rand([n_samples]) and
//      k = randint(1, C, [n_samples]) are drawn for every sample, and a sample with r < label_noise gets
//      (label + k) mod C, a class drawn uniformly from the C - 1 wrong ones.
//   5. Split: the first round(n_samples * train_fraction) samples are the training split, the rest the
//      validation split. The samples are drawn independently, so no shuffle is needed.
//
// With W_q and W_k scaled by 1 / sqrt(D), the scores before teacher_sharpness have about unit variance,
// so teacher_sharpness is about the standard deviation of the attention logits. 0 gives uniform
// attention, and the labels are then a linear function of the mean input, which a linear model learns.
// Larger values give peaked, input-dependent attention.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tlt::config {
class Schema;
}

namespace tlt::synth {

struct TaskOptions {
  int64_t seed = 1;                ///< seed of the teacher weights, the inputs and the label noise
  int64_t n_samples = 30000;       ///< samples in both splits together
  double train_fraction = 0.7;     ///< share of the samples in the training split, in (0, 1)
  int64_t seq_len = 12;            ///< positions per input sequence (S)
  int64_t d_model = 32;            ///< width of each input vector (D); also the learner's width
  int64_t n_classes = 6;           ///< number of classes (C)
  int64_t teacher_n_head = 2;      ///< attention heads of the teacher (H)
  int64_t teacher_d_k = 16;        ///< per-head width of the teacher's queries, keys and values (Dk)
  double teacher_sharpness = 3.0;  ///< standard deviation of the teacher's attention logits; 0 = uniform
  double label_noise = 0.0;        ///< probability that a label is replaced by a random wrong class, in [0, 1)
};

/// Registers every field under `prefix` (for example "task."), with its allowed range.
void bind(config::Schema& schema, const std::string& prefix, TaskOptions& options);

/// Returns every cross-field violation: a split with no samples.
std::vector<std::string> validate(const TaskOptions& options);

/// Returns the number of training samples, round(n_samples * train_fraction).
int64_t count_train_samples(const TaskOptions& options);

/// One split of the dataset. B is the number of samples in the split.
struct SyntheticSplit {
  at::Tensor inputs;  ///< [B, S, D] float32
  at::Tensor labels;  ///< [B] int64, in [0, C), after label noise

  int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
};

/// Counts that describe how hard a generated dataset is; logged and written to run.json.
struct TaskStatistics {
  std::vector<int64_t> class_counts;  ///< labels per class over both splits, after noise
  double majority_fraction = 0.0;     ///< share of the most frequent label
  int64_t noisy_labels = 0;           ///< labels replaced by label noise
  /// Share of clean labels that differ from the labels the same teacher gives with uniform attention;
  /// near 0 means the task needs no attention.
  double attention_dependent_fraction = 0.0;
};

struct SyntheticDataset {
  SyntheticSplit train;
  SyntheticSplit valid;
  at::Tensor clean_labels;  ///< [n_samples] int64, teacher labels before noise, both splits in order
  TaskStatistics statistics;
  int64_t n_classes = 0;
};

/// Builds the dataset described at the top of this header. Deterministic: the same options give the same
/// tensors on the same LibTorch build, and the global generator is neither read nor advanced. Throws
/// ConfigError listing every invalid option.
SyntheticDataset make_synthetic_dataset(const TaskOptions& options);

}  // namespace tlt::synth
