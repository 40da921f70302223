#include "tlt/synth/optimizer_study.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/csrc/autograd/grad_mode.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "tlt/model/parameters.h"
#include "tlt/util/error.h"
#include "tlt/util/file_io.h"
#include "tlt/util/interrupt.h"
#include "tlt/util/logging.h"
#include "tlt/util/progress.h"
#include "tlt/util/run_info.h"
#include "tlt/util/state_dict.h"
#include "tlt/util/torch_compat.h"

namespace tlt::synth {

namespace fs = std::filesystem;

namespace {

// State shared by every setting: the config, the data, the initial weights and the study-wide progress.
struct StudyContext {
  const SynthAttnConfig& config;
  const SyntheticDataset& dataset;
  const StateDict& init_state;
  const fs::path& out_dir;
  Progress& progress;
  int64_t steps_done = 0;
};

fs::path setting_path(const fs::path& out_dir, const std::string& setting, const std::string& extension) {
  return out_dir / (setting + extension);
}

// Returns the first line where two texts differ, as "'a' there, 'b' now".
std::string first_difference(const std::string& there, const std::string& now) {
  std::istringstream there_lines(there);
  std::istringstream now_lines(now);
  std::string a;
  std::string b;
  while (true) {
    const bool has_a = static_cast<bool>(std::getline(there_lines, a));
    const bool has_b = static_cast<bool>(std::getline(now_lines, b));
    if (!has_a && !has_b) return "none";
    if (!has_a) a.clear();
    if (!has_b) b.clear();
    if (a != b) return "'" + a + "' there, '" + b + "' now";
  }
}

// Throws ConfigError if `out_dir` contains a study whose config differs in anything but train.settings.
void require_same_study(const fs::path& out_dir, const SynthAttnConfig& config) {
  const fs::path saved_path = out_dir / "config.yaml";
  if (!fs::exists(saved_path)) return;
  SynthAttnConfig saved;
  try {
    saved = load_synth_attn_config(saved_path.string(), {});
  } catch (const ConfigError& e) {
    throw ConfigError("the output folder '" + out_dir.string() + "' contains a config.yaml that cannot be read (" +
                      e.what() + "); choose another --out or delete the folder");
  }
  SynthAttnConfig current = config;
  saved.train.settings.clear();
  current.train.settings.clear();
  const std::string saved_yaml = to_yaml(saved);
  const std::string current_yaml = to_yaml(current);
  if (saved_yaml != current_yaml) {
    throw ConfigError("the output folder '" + out_dir.string() + "' contains a synth-attn study with another config " +
                      "(first difference: " + first_difference(saved_yaml, current_yaml) +
                      "); choose another --out, or rerun with the config in " + saved_path.string());
  }
}

nlohmann::json describe_study(const SynthAttnConfig& config, const SyntheticDataset& dataset, int64_t parameters) {
  nlohmann::json run = describe_environment();
  run["command"] = "synth-attn";
  run["seed"] = config.train.seed;
  run["task_seed"] = config.task.seed;
  run["settings"] = config.train.settings;
  run["learner_parameters"] = parameters;
  const TaskStatistics& statistics = dataset.statistics;
  run["task"] = {
      {"train_samples", dataset.train.size()},
      {"valid_samples", dataset.valid.size()},
      {"class_counts", statistics.class_counts},
      {"majority_fraction", statistics.majority_fraction},
      {"noisy_labels", statistics.noisy_labels},
      {"attention_dependent_fraction", statistics.attention_dependent_fraction},
  };
  return run;
}

// Returns the records of a setting finished by an earlier run, or an empty vector if it must run.
std::vector<EpochRecord> read_completed_setting(const fs::path& out_dir, const std::string& setting, int epochs) {
  const fs::path table_path = setting_path(out_dir, setting, ".csv");
  if (!fs::exists(table_path) || !fs::exists(setting_path(out_dir, setting, ".pt"))) return {};
  std::vector<EpochRecord> records;
  try {
    records = parse_epoch_table(read_file(table_path), table_path.string());
  } catch (const DataError& e) {
    spdlog::warn("[synth] {}; training {} again", e.what(), setting);
    return {};
  }
  return is_complete_table(records, epochs) ? records : std::vector<EpochRecord>{};
}

std::unique_ptr<optim::ReduceLROnPlateau> make_plateau(const Setting& setting, optim::Optimizer& optimizer,
                                                       const optim::PlateauOptions& options) {
  if (!setting.plateau) return nullptr;
  return std::make_unique<optim::ReduceLROnPlateau>(optimizer, options);
}

// Trains one epoch over the shuffled training split; returns the means over its minibatches.
Evaluation train_epoch(StudyContext& context, const Setting& setting, AttentionClassifier& learner,
                       optim::Optimizer& optimizer, int64_t epoch) {
  const StudyOptions& options = context.config.train;
  const SyntheticSplit& train = context.dataset.train;
  const int64_t count = train.size();
  at::Generator generator = at::detail::createCPUGenerator(shuffle_seed(options.seed, epoch));
  const at::Tensor order = at::randperm(count, generator, at::TensorOptions().dtype(at::kLong));  // [B]

  learner->train();
  double loss_sum = 0.0;
  int64_t correct = 0;
  for (int64_t start = 0; start < count; start += options.batch_size) {
    throw_if_interrupted("synth-attn training");
    const int64_t length = std::min(options.batch_size, count - start);
    const at::Tensor indices = order.narrow(0, start, length);
    const at::Tensor inputs = train.inputs.index_select(0, indices);  // [b, S, D]
    const at::Tensor labels = train.labels.index_select(0, indices);  // [b]

    optimizer.zero_grad();
    const at::Tensor logits = learner->forward(inputs);  // [b, C]
    const at::Tensor loss = at::cross_entropy_loss(logits, labels);
    loss.backward();
    optimizer.step();

    loss_sum += loss.item<double>() * static_cast<double>(length);
    {
      torch::NoGradGuard no_grad;
      correct += logits.argmax(1).eq(labels).sum().item<int64_t>();
    }
    context.progress.update(++context.steps_done,
                            fmt::format("{} epoch {}/{} | loss {:.4f} | lr {:.1e}", setting.name, epoch,
                                        options.epochs, loss_sum / static_cast<double>(start + length),
                                        optimizer.lr()));
  }
  const auto total = static_cast<double>(count);
  return {loss_sum / total, static_cast<double>(correct) / total};
}

// Trains one setting from the initial weights, writing its table after every epoch and its weights at
// the end; returns the wall time in seconds.
double run_setting(StudyContext& context, const Setting& setting) {
  const SynthAttnConfig& config = context.config;
  const auto start_time = std::chrono::steady_clock::now();
  const fs::path table_path = setting_path(context.out_dir, setting.name, ".csv");

  // Learner from the common initial weights; the same dropout stream for every setting.
  AttentionClassifier learner(config.task.d_model, config.task.n_classes, config.model);
  model::load_module_state(*learner, context.init_state, "the initial weights (init.pt)");
  compat::manual_seed(static_cast<uint64_t>(config.train.seed));
  std::vector<at::Tensor> parameters;
  for (const auto& parameter : model::unique_parameters(*learner)) parameters.push_back(parameter.tensor);
  const optim::OptimizerOptions& optimizer_options = config.optimizer(setting.optimizer);
  auto optimizer = optim::make_optimizer(optimizer_options, {{parameters, optimizer_options.lr}});
  auto plateau = make_plateau(setting, *optimizer, config.plateau);

  // Epoch 0: the initial weights on both splits.
  std::vector<EpochRecord> records;
  const Evaluation initial_train = evaluate(learner, context.dataset.train);
  const Evaluation initial_valid = evaluate(learner, context.dataset.valid);
  records.push_back({0, initial_train.loss, initial_train.accuracy, initial_valid.loss, initial_valid.accuracy,
                     optimizer->lr(), false});
  write_file_atomic(table_path, format_epoch_table(records));

  for (int64_t epoch = 1; epoch <= config.train.epochs; ++epoch) {
    const Evaluation train = train_epoch(context, setting, learner, *optimizer, epoch);
    const Evaluation valid = evaluate(learner, context.dataset.valid);
    const double lr = optimizer->lr();
    const bool lr_reduced = plateau && plateau->step(valid.loss);
    if (lr_reduced) {
      spdlog::info("[synth] {}: validation loss did not improve; lr reduced from {:.3e} to {:.3e} after epoch {}",
                   setting.name, lr, optimizer->lr(), epoch);
    }
    spdlog::info("[synth] {} epoch {}/{} | train loss {:.4f} acc {:.4f} | valid loss {:.4f} acc {:.4f} | lr {:.1e}",
                 setting.name, epoch, config.train.epochs, train.loss, train.accuracy, valid.loss, valid.accuracy, lr);
    if (!std::isfinite(valid.loss) && std::isfinite(records.back().valid_loss)) {
      spdlog::warn("[synth] {}: the validation loss is {} after epoch {}; the setting diverged, so lower "
                   "optimizers.{}.lr", setting.name, valid.loss, epoch, optim::to_string(setting.optimizer));
    }
    // The weights are saved before the last row, so a complete table implies final weights on disk.
    if (epoch == config.train.epochs) {
      save_state_dict(model::module_state(*learner), setting_path(context.out_dir, setting.name, ".pt"));
    }
    records.push_back({epoch, train.loss, train.accuracy, valid.loss, valid.accuracy, lr, lr_reduced});
    write_file_atomic(table_path, format_epoch_table(records));
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
}

void log_ranking(const std::vector<SettingSummary>& summaries) {
  std::vector<SettingSummary> ranked = summaries;
  std::stable_sort(ranked.begin(), ranked.end(), [](const SettingSummary& a, const SettingSummary& b) {
    if (std::isnan(a.best_valid_loss)) return false;
    return std::isnan(b.best_valid_loss) || a.best_valid_loss < b.best_valid_loss;
  });
  std::string ranking;
  for (const SettingSummary& summary : ranked) {
    ranking += fmt::format("{}{} {:.4f} (epoch {})", ranking.empty() ? "" : ", ", summary.setting,
                           summary.best_valid_loss,
                           summary.best_valid_loss_epoch ? std::to_string(*summary.best_valid_loss_epoch) : "-");
  }
  spdlog::info("[synth] ranking by best validation loss: {}", ranking);
}

}  // namespace

uint64_t shuffle_seed(int64_t seed, int64_t epoch) {
  return static_cast<uint64_t>(seed) * 1000003ULL + static_cast<uint64_t>(epoch);
}

std::vector<SettingSummary> run_optimizer_study(const SynthAttnConfig& config, const fs::path& out_dir) {
  check_synth_attn_config(config);
  const std::vector<Setting> settings = parse_settings(config.train.settings, "train.settings");
  require_same_study(out_dir, config);

  // Data and the common initial weights.
  const SyntheticDataset dataset = make_synthetic_dataset(config.task);
  AttentionClassifier initial = make_learner(config.task, config.model, config.train.seed);
  const StateDict init_state = model::clone_state(model::module_state(*initial));
  const TaskStatistics& statistics = dataset.statistics;
  spdlog::info("[synth] task: {} train / {} valid samples, {} classes, sequence length {}, width {}; majority class "
               "{:.1f}%, {} noisy labels, {:.1f}% of clean labels depend on attention",
               dataset.train.size(), dataset.valid.size(), dataset.n_classes, config.task.seq_len,
               config.task.d_model, 100.0 * statistics.majority_fraction, statistics.noisy_labels,
               100.0 * statistics.attention_dependent_fraction);
  spdlog::info("[synth] learner: {} parameters ({} heads, d_k {}, d_v {}), {} threads",
               model::count_parameters(*initial), config.model.n_head, config.model.d_k, config.model.d_v,
               at::get_num_threads());

  // Folder: resolved config, environment and initial weights.
  write_file_atomic(out_dir / "config.yaml", to_yaml(config));
  write_file_atomic(out_dir / "run.json",
                    describe_study(config, dataset, model::count_parameters(*initial)).dump(2) + "\n");
  save_state_dict(init_state, out_dir / "init.pt");

  // Settings completed by an earlier run are skipped.
  std::vector<std::vector<EpochRecord>> completed;
  int64_t settings_to_run = 0;
  for (const Setting& setting : settings) {
    completed.push_back(read_completed_setting(out_dir, setting.name, config.train.epochs));
    if (completed.back().empty()) ++settings_to_run;
  }
  const int64_t steps_per_epoch =
      (dataset.train.size() + config.train.batch_size - 1) / config.train.batch_size;
  Progress progress("synth", "step", settings_to_run * config.train.epochs * steps_per_epoch);
  StudyContext context{config, dataset, init_state, out_dir, progress};
  const std::map<std::string, double> previous_wall_times = read_summary_wall_times(out_dir / "summary.csv");

  std::vector<SettingSummary> summaries;
  for (size_t i = 0; i < settings.size(); ++i) {
    const Setting& setting = settings[i];
    std::optional<double> wall_s;
    if (!completed[i].empty()) {
      spdlog::info("[synth] {}: complete in {}, skipped", setting.name, out_dir.string());
      const auto previous = previous_wall_times.find(setting.name);
      if (previous != previous_wall_times.end()) wall_s = previous->second;
    } else {
      spdlog::info("[synth] {}: training for {} epochs", setting.name, config.train.epochs);
      wall_s = run_setting(context, setting);
    }
    const fs::path table_path = setting_path(out_dir, setting.name, ".csv");
    SettingSummary summary = summarize_setting(
        setting.name, parse_epoch_table(read_file(table_path), table_path.string()), config.train.valid_loss_threshold);
    summary.wall_s = wall_s;
    summaries.push_back(summary);
    write_file_atomic(out_dir / "summary.csv", format_summary_table(summaries));
  }
  progress.finish();

  log_ranking(summaries);
  spdlog::info("[synth] results in {}", out_dir.string());
  return summaries;
}

}  // namespace tlt::synth
