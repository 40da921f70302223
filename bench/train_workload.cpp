// train-small and train-paper: the step of train::run_training (forward, label-smoothed loss, backward,
// Adam) on real Multi30k batches, timed phase by phase.
#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <optional>

#include "machine_info.h"
#include "model_flops.h"
#include "op_profile.h"
#include "tlt/data/batching.h"
#include "tlt/data/prepared_data.h"
#include "tlt/model/parameters.h"
#include "tlt/model/transformer.h"
#include "tlt/optim/optimizer.h"
#include "tlt/train/loss.h"
#include "tlt/util/error.h"
#include "tlt/util/logging.h"
#include "tlt/util/torch_compat.h"
#include "workloads.h"

namespace tlt::bench {

namespace {

using Clock = std::chrono::steady_clock;

/// Padded target tokens per batch: B * T of the collated target tensor is at most this.
constexpr int64_t kBatchTargetTokens = 4096;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Seconds of each phase of one training step; LibTorch's CPU operations are synchronous, so the clock
/// between two calls measures the work of the first.
struct StepTimes {
  double forward_s = 0;
  double loss_s = 0;
  double backward_s = 0;
  double optimizer_s = 0;  ///< zero_grad and step
  double total_s = 0;
};

/// The first `count` batches of the first shuffled epoch of Multi30k's training split, batched by at most
/// 4,096 padded target tokens, as `tlt train` would draw them with data.batch_unit tokens and seed 1.
std::vector<data::Batch> load_training_batches(const WorkloadSettings& settings, int64_t count, int& vocab_size) {
  const data::DataOptions options = bench_data_options(settings, data::BatchUnit::kTokens, kBatchTargetTokens);
  const data::PreparedData prepared = data::prepare_data(options);
  vocab_size = prepared.vocab.size();

  const auto indices = data::make_batches(prepared.train, options.batch_unit, options.batch_size, /*seed=*/1,
                                          /*epoch=*/1, /*shuffle=*/true);
  if (static_cast<int64_t>(indices.size()) < count) {
    throw ConfigError("the benchmark needs " + std::to_string(count) + " batches but the training split of '" +
                      settings.data_dir + "' gives " + std::to_string(indices.size()) + "; lower --steps");
  }
  std::vector<data::Batch> batches;
  for (int64_t i = 0; i < count; ++i) {
    batches.push_back(data::collate(prepared.train, indices[static_cast<size_t>(i)], prepared.vocab));
  }
  return batches;
}

}  // namespace

nlohmann::json run_train_workload(const model::TransformerOptions& model_options, const WorkloadSettings& settings,
                                  int64_t default_steps, int64_t default_warmup_steps) {
  const int64_t steps = settings.steps > 0 ? settings.steps : default_steps;
  const int64_t warmup_steps = settings.warmup_steps >= 0 ? settings.warmup_steps : default_warmup_steps;

  // Data: real batches, so that lengths and padding follow Multi30k's distribution.
  int vocab_size = 0;
  const std::vector<data::Batch> batches = load_training_batches(settings, warmup_steps + steps, vocab_size);

  // Model and optimizer as configs/wmt16-small.yaml and wmt16.yaml train them: Adam with betas (0.9, 0.98)
  // and eps 1e-9. The warmup schedule would only change the learning rate, which costs nothing measurable.
  compat::manual_seed(1);
  model::Transformer model(model_options, vocab_size);
  model->train();
  std::vector<at::Tensor> parameters;
  for (const auto& parameter : model::unique_parameters(*model)) parameters.push_back(parameter.tensor);
  optim::OptimizerOptions optimizer_options;
  optimizer_options.name = optim::OptimizerKind::kAdam;
  optimizer_options.lr = 1e-4;
  optimizer_options.beta1 = 0.9;
  optimizer_options.beta2 = 0.98;
  optimizer_options.eps = 1e-9;
  auto optimizer = optim::make_optimizer(optimizer_options, {{parameters, optimizer_options.lr}});
  const double label_smoothing = 0.1;

  // Steps: the body of train_epoch in src/train/trainer.cpp, in the same order.
  StepTimes sums;
  int64_t target_tokens = 0;
  int64_t source_slots = 0;
  int64_t source_tokens = 0;
  int64_t target_slots = 0;
  double flops = 0;
  double loss_sum = 0;
  int64_t faults_start = 0;
  double cpu_start_s = 0;
  nlohmann::json step_seconds = nlohmann::json::array();
  nlohmann::json batch_shapes = nlohmann::json::array();
  std::optional<OpProfile> profile;
  for (int64_t i = 0; i < warmup_steps + steps; ++i) {
    if (i == warmup_steps) {
      faults_start = minor_page_faults();
      cpu_start_s = process_cpu_s();
      if (settings.profile_ops) profile.emplace();
    }
    const data::Batch& batch = batches[static_cast<size_t>(i)];
    StepTimes times;
    const auto step_start = Clock::now();

    auto phase_start = Clock::now();
    const int64_t length = batch.trg.size(1) - 1;
    const at::Tensor trg_in = batch.trg.narrow(1, 0, length);
    const at::Tensor gold = batch.trg.narrow(1, 1, length).reshape({-1});
    const at::Tensor logits = model->forward(batch.src, trg_in);
    times.forward_s = seconds_since(phase_start);

    phase_start = Clock::now();
    const train::LossSums loss =
        train::label_smoothed_loss(logits.view({-1, logits.size(2)}), gold, model_options.pad_idx, label_smoothing);
    times.loss_s = seconds_since(phase_start);

    phase_start = Clock::now();
    optimizer->zero_grad();
    times.optimizer_s = seconds_since(phase_start);

    phase_start = Clock::now();
    loss.loss.backward();
    times.backward_s = seconds_since(phase_start);

    phase_start = Clock::now();
    optimizer->step();
    times.optimizer_s += seconds_since(phase_start);
    const double step_loss = loss.loss.item<double>();
    times.total_s = seconds_since(step_start);
    if (i < warmup_steps) continue;

    loss_sum += step_loss;

    sums.forward_s += times.forward_s;
    sums.loss_s += times.loss_s;
    sums.backward_s += times.backward_s;
    sums.optimizer_s += times.optimizer_s;
    sums.total_s += times.total_s;
    const int64_t batch_size = batch.src.size(0);
    target_tokens += loss.n_word;
    target_slots += batch_size * length;
    source_tokens += batch.n_source_tokens;
    source_slots += batch_size * batch.src.size(1);
    flops += training_step_flops(model_options, vocab_size, batch_size, batch.src.size(1), length);
    step_seconds.push_back(times.total_s);
    batch_shapes.push_back({batch_size, batch.src.size(1), length});
  }
  const double faults = static_cast<double>(minor_page_faults() - faults_start);
  const double cpu_s = process_cpu_s() - cpu_start_s;
  const nlohmann::json op_profile = profile ? profile->summarise(static_cast<double>(steps)) : nlohmann::json(nullptr);

  // Rates over the timed steps; the phases are means per step.
  const double count = static_cast<double>(steps);
  nlohmann::json metrics = {
      {"tokens_per_s", static_cast<double>(target_tokens) / sums.total_s},
      {"step_s", sums.total_s / count},
      {"forward_s", sums.forward_s / count},
      {"loss_s", sums.loss_s / count},
      {"backward_s", sums.backward_s / count},
      {"optimizer_s", sums.optimizer_s / count},
      {"model_flop_per_s", flops / sums.total_s},
      {"minor_faults_per_step", faults / count},
      {"busy_cores", cpu_s / sums.total_s},
      {"padding_src", 1.0 - static_cast<double>(source_tokens) / static_cast<double>(source_slots)},
      {"padding_trg", 1.0 - static_cast<double>(target_tokens) / static_cast<double>(target_slots)},
  };
  nlohmann::json details = {
      {"steps", steps},
      {"warmup_steps", warmup_steps},
      {"max_padded_target_tokens", kBatchTargetTokens},
      {"target_tokens_per_step", static_cast<double>(target_tokens) / count},
      {"model_gflop_per_step", flops / count / 1e9},
      {"parameters", model::count_parameters(*model)},
      {"vocab_size", vocab_size},
      {"d_model", model_options.d_model},
      {"n_layers", model_options.n_layers},
      {"mean_loss_per_token", loss_sum / static_cast<double>(std::max<int64_t>(target_tokens, 1))},
      {"batch_shapes_b_s_t", batch_shapes},
      {"step_seconds", step_seconds},
      {"op_profile_per_step", op_profile},
  };
  return {{"metrics", metrics}, {"details", details}};
}

}  // namespace tlt::bench
