#include "tlt/synth/synthetic_task.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "tlt/config/schema.h"

namespace tlt::synth {

namespace {

// The teacher is applied to this many samples at a time to bound the memory of its float64
// intermediates. scripts/make_synth_fixtures.py uses the same chunks, so the float64 sums match.
constexpr int64_t kTeacherChunk = 4096;

// Generator streams derived from TaskOptions::seed; stream k is seeded with 3 * seed + k so that no two
// seeds share a stream.
enum class Stream : uint64_t { kTeacher = 0, kInputs = 1, kLabelNoise = 2 };

at::Generator make_generator(int64_t seed, Stream stream) {
  return at::detail::createCPUGenerator(3 * static_cast<uint64_t>(seed) + static_cast<uint64_t>(stream));
}

struct TeacherWeights {
  at::Tensor w_q;  // [H, D, Dk] float64
  at::Tensor w_k;  // [H, D, Dk] float64
  at::Tensor w_v;  // [H, D, Dk] float64
  at::Tensor u;    // [H * Dk, C] float64, unit-length columns
};

TeacherWeights draw_teacher(const TaskOptions& options) {
  at::Generator generator = make_generator(options.seed, Stream::kTeacher);
  const auto float64 = at::TensorOptions().dtype(at::kDouble);
  const std::vector<int64_t> shape = {options.teacher_n_head, options.d_model, options.teacher_d_k};
  const double scale = std::sqrt(static_cast<double>(options.d_model));
  TeacherWeights weights;
  weights.w_q = at::randn(shape, generator, float64) / scale;
  weights.w_k = at::randn(shape, generator, float64) / scale;
  weights.w_v = at::randn(shape, generator, float64) / scale;
  at::Tensor u = at::randn({options.teacher_n_head * options.teacher_d_k, options.n_classes}, generator, float64);
  weights.u = u / at::norm(u, 2, {0}, /*keepdim=*/true);
  return weights;
}

// Teacher logits of one chunk of inputs [b, S, D], with the sharp attention and with uniform attention.
struct TeacherLogits {
  at::Tensor attention;  // [b, C]
  at::Tensor uniform;    // [b, C]
};

TeacherLogits apply_teacher(const TeacherWeights& weights, const at::Tensor& inputs, const TaskOptions& options) {
  const at::Tensor x = inputs.to(at::kDouble);
  const double logit_scale = options.teacher_sharpness / std::sqrt(static_cast<double>(options.teacher_d_k));
  std::vector<at::Tensor> pooled_heads;
  std::vector<at::Tensor> uniform_heads;
  for (int64_t head = 0; head < options.teacher_n_head; ++head) {
    const at::Tensor queries = at::matmul(x, weights.w_q[head]);  // [b, S, Dk]
    const at::Tensor keys = at::matmul(x, weights.w_k[head]);     // [b, S, Dk]
    const at::Tensor values = at::matmul(x, weights.w_v[head]);   // [b, S, Dk]
    const at::Tensor attention = at::softmax(at::matmul(queries, keys.transpose(1, 2)) * logit_scale, -1);  // [b, S, S]
    pooled_heads.push_back(at::matmul(attention, values).mean(1));  // [b, Dk]
    // Uniform attention averages the values over the keys at every query, so the pooled result is
    // the mean value.
    uniform_heads.push_back(values.mean(1));  // [b, Dk]
  }
  return {at::matmul(at::cat(pooled_heads, 1), weights.u), at::matmul(at::cat(uniform_heads, 1), weights.u)};
}

// Replaces each label with probability label_noise by one of the C - 1 other classes; returns the count.
int64_t add_label_noise(at::Tensor& labels, const TaskOptions& options) {
  at::Generator generator = make_generator(options.seed, Stream::kLabelNoise);
  const int64_t count = labels.size(0);
  // Both draws cover every sample, so a sample's draws do not depend on label_noise.
  const at::Tensor draws = at::rand({count}, generator);
  const at::Tensor shifts = at::randint(1, options.n_classes, {count}, generator, at::TensorOptions().dtype(at::kLong));
  const at::Tensor flip = draws < options.label_noise;
  labels = at::where(flip, (labels + shifts).remainder(options.n_classes), labels);
  return flip.sum().item<int64_t>();
}

TaskStatistics describe_labels(const at::Tensor& labels, const at::Tensor& clean_labels,
                               const at::Tensor& uniform_labels, int64_t n_classes, int64_t noisy_labels) {
  TaskStatistics statistics;
  const at::Tensor counts = at::bincount(labels, /*weights=*/{}, n_classes);
  statistics.class_counts.assign(counts.data_ptr<int64_t>(), counts.data_ptr<int64_t>() + n_classes);
  const int64_t majority = *std::max_element(statistics.class_counts.begin(), statistics.class_counts.end());
  const auto total = static_cast<double>(labels.size(0));
  statistics.majority_fraction = static_cast<double>(majority) / total;
  statistics.noisy_labels = noisy_labels;
  statistics.attention_dependent_fraction = clean_labels.ne(uniform_labels).sum().item<double>() / total;
  return statistics;
}

}  // namespace

void bind(config::Schema& schema, const std::string& prefix, TaskOptions& options) {
  schema.field(prefix + "seed", options.seed, "seed of the teacher weights, the inputs and the label noise").min(0);
  schema.field(prefix + "n_samples", options.n_samples, "samples in the training and validation splits together")
      .min(2);
  schema.field(prefix + "train_fraction", options.train_fraction, "share of the samples in the training split")
      .greater_than(0)
      .less_than(1);
  schema.field(prefix + "seq_len", options.seq_len, "positions per input sequence").min(1);
  schema.field(prefix + "d_model", options.d_model, "width of each input vector; also the learner's width").min(1);
  schema.field(prefix + "n_classes", options.n_classes, "number of classes").min(2);
  schema.field(prefix + "teacher_n_head", options.teacher_n_head, "attention heads of the teacher").min(1);
  schema.field(prefix + "teacher_d_k", options.teacher_d_k, "per-head width of the teacher's queries, keys and values")
      .min(1);
  schema.field(prefix + "teacher_sharpness", options.teacher_sharpness,
               "standard deviation of the teacher's attention logits; 0 gives uniform attention")
      .min(0);
  schema.field(prefix + "label_noise", options.label_noise,
               "probability that a label is replaced by a random wrong class")
      .min(0)
      .less_than(1);
}

int64_t count_train_samples(const TaskOptions& options) {
  return std::llround(static_cast<double>(options.n_samples) * options.train_fraction);
}

std::vector<std::string> validate(const TaskOptions& options) {
  std::vector<std::string> violations;
  if (options.n_samples < 2 || !(options.train_fraction > 0.0 && options.train_fraction < 1.0)) {
    return violations;  // the field ranges report these
  }
  const int64_t n_train = count_train_samples(options);
  const int64_t n_valid = options.n_samples - n_train;
  if (n_train < 1 || n_valid < 1) {
    violations.push_back(fmt::format(
        "task.n_samples = {} with task.train_fraction = {} leaves {} training and {} validation samples: each "
        "split needs at least 1; raise n_samples or move train_fraction towards 0.5",
        options.n_samples, options.train_fraction, n_train, n_valid));
  }
  return violations;
}

SyntheticDataset make_synthetic_dataset(const TaskOptions& options) {
  config::Schema schema;
  TaskOptions checked = options;
  bind(schema, "task.", checked);
  schema.validate(validate(options));

  // Teacher weights and inputs, each from its own generator stream.
  const TeacherWeights teacher = draw_teacher(options);
  at::Generator input_generator = make_generator(options.seed, Stream::kInputs);
  const at::Tensor inputs = at::randn({options.n_samples, options.seq_len, options.d_model}, input_generator);

  // Clean labels, and the labels the same teacher gives with uniform attention.
  std::vector<at::Tensor> clean_chunks;
  std::vector<at::Tensor> uniform_chunks;
  for (int64_t start = 0; start < options.n_samples; start += kTeacherChunk) {
    const int64_t length = std::min(kTeacherChunk, options.n_samples - start);
    const TeacherLogits logits = apply_teacher(teacher, inputs.narrow(0, start, length), options);
    clean_chunks.push_back(logits.attention.argmax(1));
    uniform_chunks.push_back(logits.uniform.argmax(1));
  }
  const at::Tensor clean_labels = at::cat(clean_chunks);
  at::Tensor labels = clean_labels.clone();
  const int64_t noisy_labels = add_label_noise(labels, options);

  // Split in order: the first n_train samples train, the rest validate.
  SyntheticDataset dataset;
  const int64_t n_train = count_train_samples(options);
  const int64_t n_valid = options.n_samples - n_train;
  dataset.train = {inputs.narrow(0, 0, n_train).contiguous(), labels.narrow(0, 0, n_train).contiguous()};
  dataset.valid = {inputs.narrow(0, n_train, n_valid).contiguous(), labels.narrow(0, n_train, n_valid).contiguous()};
  dataset.clean_labels = clean_labels;
  dataset.n_classes = options.n_classes;
  dataset.statistics =
      describe_labels(labels, clean_labels, at::cat(uniform_chunks), options.n_classes, noisy_labels);
  return dataset;
}

}  // namespace tlt::synth
