#include "tlt/train/trainer.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>

#include "tlt/data/batching.h"
#include "tlt/data/prepared_data.h"
#include "tlt/decode/translator.h"
#include "tlt/dist/device.h"
#include "tlt/model/parameters.h"
#include "tlt/model/transformer.h"
#include "tlt/train/evaluation.h"
#include "tlt/train/loss.h"
#include "tlt/train/lr_schedule.h"
#include "tlt/train/metrics_table.h"
#include "tlt/train/run_folder.h"
#include "tlt/train/weight_mask.h"
#include "tlt/util/error.h"
#include "tlt/util/file_io.h"
#include "tlt/util/interrupt.h"
#include "tlt/util/logging.h"
#include "tlt/util/progress.h"
#include "tlt/util/run_info.h"
#include "tlt/util/state_dict.h"
#include "tlt/util/torch_compat.h"

namespace tlt::train {

namespace fs = std::filesystem;

namespace {

/// Decodes the validation set (or its first options.bleu_sentences pairs) and returns its BLEU as text in
/// the epochs that train.bleu_every selects. Returns an empty string in the other epochs.
std::string validation_bleu(model::Transformer& model, const data::PreparedData& data, const TrainOptions& options,
                            int64_t epoch) {
  if (options.bleu_every <= 0 || (epoch % options.bleu_every != 0 && epoch != options.epochs)) return "";
  data::ParallelCorpus corpus = data.valid;
  if (options.bleu_sentences > 0 && options.bleu_sentences < corpus.size()) {
    corpus.src.resize(static_cast<size_t>(options.bleu_sentences));
    corpus.trg.resize(static_cast<size_t>(options.bleu_sentences));
  }
  decode::DecodeOptions decoding;
  decoding.beam_size = options.bleu_beam;
  const auto start = std::chrono::steady_clock::now();
  const decode::BleuScore bleu = decode::evaluate_bleu(model, data.vocab, corpus, decoding);
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  spdlog::info("[train] epoch {} | valid BLEU {:.2f} on {} sentences ({}, {:.1f} s)", epoch, bleu.score, corpus.size(),
               options.bleu_beam == 1 ? "greedy" : fmt::format("beam {}", options.bleu_beam), wall_s);
  return format_number(bleu.score, 4);
}

/// Totals of one training epoch.
struct EpochStats {
  double loss_sum = 0.0;
  int64_t n_word = 0;
  int64_t n_correct = 0;
  int64_t steps = 0;
  double wall_s = 0.0;
};

/// Seed of the dropout generator for an epoch, so that a resumed epoch draws the same masks.
uint64_t epoch_seed(int64_t seed, int64_t epoch) {
  return static_cast<uint64_t>(seed) * 1000003ULL + static_cast<uint64_t>(epoch);
}

/// Selects the sentences of `batch` that `rank` of `world_size` ranks trains on: a contiguous share of the
/// rows, as equal as the batch size allows (possibly none).
data::Batch shard_batch(const data::Batch& batch, int rank, int world_size) {
  const int64_t rows = batch.src.size(0);
  const int64_t begin = rows * rank / world_size;
  const int64_t end = rows * (rank + 1) / world_size;
  data::Batch shard;
  shard.src = batch.src.narrow(0, begin, end - begin);
  shard.trg = batch.trg.narrow(0, begin, end - begin);
  return shard;
}

/// Sums the gradients of `parameters` over all ranks in one flat buffer; a missing gradient counts as 0.
void all_reduce_gradients(dist::ProcessGroup& group, const std::vector<at::Tensor>& parameters) {
  std::vector<at::Tensor> flat;
  flat.reserve(parameters.size());
  for (const at::Tensor& parameter : parameters) {
    const at::Tensor& grad = parameter.grad();
    flat.push_back(grad.defined() ? grad.reshape({-1}) : at::zeros({parameter.numel()}, parameter.options()));
  }
  at::Tensor buffer = at::cat(flat);
  group.all_reduce_sum(buffer);
  int64_t offset = 0;
  for (const at::Tensor& parameter : parameters) {
    const at::Tensor summed = buffer.narrow(0, offset, parameter.numel()).view(parameter.sizes());
    offset += parameter.numel();
    if (parameter.grad().defined()) {
      parameter.mutable_grad().copy_(summed);
    } else {
      parameter.mutable_grad() = summed.clone();
    }
  }
}

std::vector<data::Batch> collate_batches(const data::ParallelCorpus& corpus,
                                         const std::vector<std::vector<int64_t>>& indices,
                                         const data::Vocabulary& vocab, at::Device device) {
  std::vector<data::Batch> batches;
  batches.reserve(indices.size());
  for (const auto& batch_indices : indices) {
    data::Batch batch = data::collate(corpus, batch_indices, vocab);
    batch.src = batch.src.to(device);
    batch.trg = batch.trg.to(device);
    batches.push_back(std::move(batch));
  }
  return batches;
}

EpochStats train_epoch(model::Transformer& model, optim::Optimizer& optimizer, LrSchedule& schedule,
                       const WeightMask& mask, const std::vector<data::Batch>& batches, const RunConfig& config,
                       const RunFolder& run, int64_t epoch, int64_t& step, dist::ProcessGroup* group) {
  const TrainOptions& options = config.train;
  const int rank = group ? group->rank() : 0;
  const int world_size = group ? group->world_size() : 1;
  std::vector<at::Tensor> parameters;
  if (group) {
    for (const auto& parameter : model::unique_parameters(*model)) parameters.push_back(parameter.tensor);
  }
  model->train();
  // Each rank draws its own dropout masks; rank 0 draws those of a single-process run.
  compat::manual_seed(epoch_seed(options.seed, epoch) + 7919ULL * static_cast<uint64_t>(rank));

  int64_t total_steps = static_cast<int64_t>(batches.size());
  if (options.max_steps_per_epoch > 0) total_steps = std::min(total_steps, options.max_steps_per_epoch);
  Progress progress("train", "epoch " + std::to_string(epoch) + " step", total_steps, options.log_interval_s);

  EpochStats stats;
  for (int64_t i = 0; i < total_steps; ++i) {
    throw_if_interrupted("training");
    const data::Batch& batch =
        group ? shard_batch(batches[static_cast<size_t>(i)], rank, world_size) : batches[static_cast<size_t>(i)];
    const double lr = schedule.before_step(++step);

    optimizer.zero_grad();
    LossSums sums;
    if (batch.src.size(0) > 0) {
      const int64_t length = batch.trg.size(1) - 1;
      const at::Tensor trg_in = batch.trg.narrow(1, 0, length);
      const at::Tensor gold = batch.trg.narrow(1, 1, length).reshape({-1});
      const at::Tensor logits = model->forward(batch.src, trg_in);
      sums =
          label_smoothed_loss(logits.view({-1, logits.size(2)}), gold, config.model.pad_idx, options.label_smoothing);
    } else {
      sums.loss = at::zeros({}, at::kDouble);  // a rank without sentences in this batch adds zero gradients
    }
    // The mean divides by the tokens of the whole batch, over all ranks.
    int64_t batch_words = sums.n_word;
    if (group && options.loss_reduction == LossReduction::kMean) {
      at::Tensor words = at::full({1}, static_cast<double>(sums.n_word), at::kDouble);
      group->all_reduce_sum(words);
      batch_words = static_cast<int64_t>(words.item<double>());
    }
    at::Tensor objective = sums.loss;
    if (options.loss_reduction == LossReduction::kMean) objective = objective / static_cast<double>(batch_words);
    if (objective.requires_grad()) objective.backward();
    if (group) all_reduce_gradients(*group, parameters);
    mask.apply_to_gradients();
    optimizer.step();
    mask.apply_to_weights();
    if (rank == 0 &&
        std::find(options.save_steps.begin(), options.save_steps.end(), step) != options.save_steps.end()) {
      save_state_dict(model::module_state(*model), run.step_checkpoint(step));
    }

    stats.loss_sum += sums.loss.item<double>();
    stats.n_word += sums.n_word;
    stats.n_correct += sums.n_correct;
    stats.steps += 1;
    const double loss = stats.loss_sum / static_cast<double>(stats.n_word);
    char fields[160];
    std::snprintf(fields, sizeof(fields), "loss %.3f | lr %.1e | %s tok/s", loss, lr,
                  format_rate(static_cast<double>(stats.n_word) / std::max(progress.elapsed_s(), 1e-9)).c_str());
    progress.update(i + 1, fields);
  }
  progress.finish();
  stats.wall_s = progress.elapsed_s();
  if (group) {
    // The epoch's totals over all ranks.
    at::Tensor totals = at::tensor(
        {stats.loss_sum, static_cast<double>(stats.n_word), static_cast<double>(stats.n_correct)}, at::kDouble);
    group->all_reduce_sum(totals);
    stats.loss_sum = totals[0].item<double>();
    stats.n_word = static_cast<int64_t>(totals[1].item<double>());
    stats.n_correct = static_cast<int64_t>(totals[2].item<double>());
  }
  return stats;
}

/// Token accuracy on `corpus` of always predicting its most frequent gold token (eos included, as in training).
double most_frequent_token_accuracy(const data::ParallelCorpus& corpus, int32_t eos_id) {
  std::map<int32_t, int64_t> counts;
  int64_t total = 0;
  for (const auto& sentence : corpus.trg) {
    for (int32_t id : sentence) ++counts[id];
    ++counts[eos_id];
    total += static_cast<int64_t>(sentence.size()) + 1;
  }
  int64_t most = 0;
  for (const auto& [id, count] : counts) most = std::max(most, count);
  return total > 0 ? static_cast<double>(most) / static_cast<double>(total) : 0.0;
}

bool is_better(Metric metric, double candidate, double best) {
  if (std::isnan(candidate)) return false;
  if (std::isnan(best)) return true;
  return metric == Metric::kValidLoss ? candidate < best : candidate > best;
}

}  // namespace

TrainSummary run_training(const RunConfig& config, const TrainSession& session) {
  const TrainOptions& options = config.train;
  RunFolder run(session.run_dir);
  // In a data-parallel run only rank 0 writes the run folder; the other ranks read it when resuming.
  const bool writes_run = session.group == nullptr || session.group->rank() == 0;
  if (session.resume) {
    run.require_resumable();
  } else if (writes_run) {
    run.require_fresh();
  }
  if (writes_run) run.open_log();
  const at::Device device = dist::select_device(session.device, session.group);

  // Data: SentencePiece model and encoded corpus, cached between runs.
  const data::PreparedData data = data::prepare_data(config.data);
  const int64_t vocab_size = data.vocab.size();

  // Model, mask and optimizer.
  compat::manual_seed(static_cast<uint64_t>(options.seed));
  model::Transformer model(config.model, vocab_size);
  if (!options.init_from.empty()) {
    load_module_state(*model, load_state_dict(options.init_from), "train.init_from '" + options.init_from + "'");
    spdlog::info("[train] initial weights from {}", options.init_from);
  }
  model->to(device);
  WeightMask mask;
  if (!options.mask.empty()) {
    mask = WeightMask(*model, load_state_dict(options.mask), "mask '" + options.mask + "'");
    mask.apply_to_weights();
    spdlog::info("[train] mask {} prunes {:.2f}% of the masked tensors", options.mask, 100.0 * mask.sparsity());
  }
  std::vector<at::Tensor> tensors;
  for (const auto& parameter : model::unique_parameters(*model)) tensors.push_back(parameter.tensor);
  auto optimizer = optim::make_optimizer(options.optimizer, {{tensors, options.optimizer.lr}});
  LrSchedule schedule(options, config.model.d_model, *optimizer);
  spdlog::info("[train] model: {} parameters ({} layers, d_model {}, vocabulary {}), device {}, {} threads",
               model::count_parameters(*model), config.model.n_layers, config.model.d_model, vocab_size, session.device,
               at::get_num_threads());

  // Run folder: resolved config and environment; w0 before the first step.
  RunConfig resolved = config;
  const double baseline_accuracy = most_frequent_token_accuracy(data.valid, data.vocab.eos_id());
  spdlog::info("[train] always predicting the most frequent target token scores {:.4f} validation accuracy",
               baseline_accuracy);
  if (writes_run) {
    run.write_config(to_yaml(resolved));
    run.write_run_json(options.seed, session.device, session.group ? session.group->world_size() : 1,
                       baseline_accuracy);
    // The run keeps its own copy of the SentencePiece model, so translation needs only the run folder.
    write_file_atomic(run.path() / "spm.model", read_file(data.vocab.model_path()));
  }
  if (session.group) {
    spdlog::info("[train] data-parallel over {} ranks: each trains on its share of every batch's sentences",
                 session.group->world_size());
  }
  TrainProgress progress;
  if (session.resume) {
    progress = run.load_progress(model, *optimizer, schedule);
    mask.apply_to_weights();
    spdlog::info("[train] resuming {} after epoch {} (step {})", run.path().string(), progress.epoch, progress.step);
  } else if (writes_run) {
    save_state_dict(model::module_state(*model), run.path() / "init.pt");
  }

  MetricsTable train_table(run.path() / "train.csv",
                           {"epoch", "step", "loss", "ppl", "acc", "lr", "tokens", "wall_s", "tok_per_s"});
  MetricsTable valid_table(run.path() / "valid.csv", {"epoch", "loss", "ppl", "acc", "lr_reduced", "wall_s", "bleu"});
  if (writes_run) {
    train_table.load_existing(progress.epoch);
    valid_table.load_existing(progress.epoch);
  }

  const auto valid_indices = data::make_batches(data.valid, config.data.batch_unit, config.data.batch_size,
                                                static_cast<uint64_t>(options.seed), 0, /*shuffle=*/false);
  const std::vector<data::Batch> valid_batches = collate_batches(data.valid, valid_indices, data.vocab, device);
  if (valid_batches.empty())
    throw DataError("the validation split is empty; check data.valid_split and data.max_valid_pairs");

  for (int64_t epoch = progress.epoch + 1; epoch <= options.epochs; ++epoch) {
    const auto train_indices = data::make_batches(data.train, config.data.batch_unit, config.data.batch_size,
                                                  static_cast<uint64_t>(options.seed), epoch, /*shuffle=*/true);
    const std::vector<data::Batch> train_batches = collate_batches(data.train, train_indices, data.vocab, device);
    const EpochStats stats =
        train_epoch(model, *optimizer, schedule, mask, train_batches, config, run, epoch, progress.step, session.group);

    const auto valid_start = std::chrono::steady_clock::now();
    const EvalResult valid = evaluate(model, valid_batches, config.model.pad_idx);
    const double valid_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - valid_start).count();
    const double metric = options.metric == Metric::kValidLoss ? valid.loss() : valid.accuracy();
    const double epoch_lr = optimizer->lr();  // the rate of the epoch's last step, before any plateau reduction
    const bool reduced = schedule.after_epoch(metric);
    const std::string bleu = writes_run ? validation_bleu(model, data, options, epoch) : "";

    const double train_loss = stats.loss_sum / static_cast<double>(std::max<int64_t>(stats.n_word, 1));
    const double train_acc =
        static_cast<double>(stats.n_correct) / static_cast<double>(std::max<int64_t>(stats.n_word, 1));
    const double tokens_per_s = static_cast<double>(stats.n_word) / std::max(stats.wall_s, 1e-9);
    spdlog::info(
        "[train] epoch {}/{} | train loss {:.4f} acc {:.4f} | valid loss {:.4f} ppl {:.2f} acc {:.4f} | "
        "{:.0f} tok/s | {}",
        epoch, options.epochs, train_loss, train_acc, valid.loss(), valid.ppl(), valid.accuracy(), tokens_per_s,
        format_duration(stats.wall_s));
    const bool is_best = is_better(options.metric, metric, progress.best_metric);
    if (is_best) {
      progress.best_metric = metric;
      progress.best_epoch = epoch;
      progress.best_valid_loss = valid.loss();
      progress.best_valid_accuracy = valid.accuracy();
    }
    progress.epoch = epoch;
    if (!writes_run) continue;

    // Tables and checkpoints, then the training state that refers to them.
    train_table.append({std::to_string(epoch), std::to_string(progress.step), format_number(train_loss),
                        format_number(std::exp(std::min(train_loss, 100.0))), format_number(train_acc),
                        format_number(epoch_lr), std::to_string(stats.n_word), format_number(stats.wall_s, 4),
                        format_number(tokens_per_s, 5)});
    valid_table.append({std::to_string(epoch), format_number(valid.loss()), format_number(valid.ppl()),
                        format_number(valid.accuracy()), reduced ? "1" : "0", format_number(valid_s, 4), bleu});
    const StateDict weights = model::module_state(*model);
    if (options.save == SaveMode::kAll) save_state_dict(weights, run.epoch_checkpoint(epoch));
    if (is_best && options.save != SaveMode::kLast) save_state_dict(weights, run.path() / "best.pt");
    save_state_dict(weights, run.path() / "last.pt");
    run.save_progress(progress, *optimizer, schedule, model);
  }

  spdlog::info("[train] done: best epoch {} (valid loss {:.4f}, acc {:.4f}); run folder {}", progress.best_epoch,
               progress.best_valid_loss, progress.best_valid_accuracy, run.path().string());
  TrainSummary summary;
  summary.epochs_done = progress.epoch;
  summary.best_epoch = progress.best_epoch;
  summary.best_valid_loss = progress.best_valid_loss;
  summary.best_valid_accuracy = progress.best_valid_accuracy;
  return summary;
}

}  // namespace tlt::train
