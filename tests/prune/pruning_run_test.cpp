// `tlt prune` end to end on a tiny trained run: output files, inits, masks through retraining and resume,
// output folder guarding and iterative pruning.
#include "tlt/prune/pruning_run.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>

#include "prune/prune_test_support.h"
#include "support/test_support.h"
#include "tlt/model/parameters.h"
#include "tlt/prune/iterative_pruning.h"
#include "tlt/prune/magnitude_pruning.h"
#include "tlt/train/run_config.h"
#include "tlt/util/error.h"
#include "tlt/util/state_dict.h"

namespace tlt::prune {
namespace {

namespace fs = std::filesystem;
using testing::count_zeros;
using testing::pruned_entries_are_zero;
using testing::tiny_base_run;
using tlt::testing::read_text;
using tlt::testing::TempDir;
using tlt::testing::tensors_equal;

const char* const kFeedForward = "encoder.layer_stack.0.pos_ffn.w_1.weight";

PruneRequest request_into(const fs::path& out, double rate = 0.3) {
  PruneRequest request;
  request.source_run = tiny_base_run().string();
  request.out = out.string();
  request.prune.rate = rate;
  return request;
}

/// Sum of the masked and pruned scalars over the unique tensors of a saved mask of the tiny base run.
std::pair<int64_t, int64_t> mask_counts(const StateDict& mask) {
  const train::RunConfig config = train::load_run_config((tiny_base_run() / "config.yaml").string(), {});
  const int64_t vocab_size = load_state_dict(tiny_base_run() / "init.pt").at("decoder.trg_word_emb.weight").size(0);
  model::Transformer model(config.model, vocab_size);
  int64_t masked = 0;
  int64_t pruned = 0;
  for (const auto& parameter : model::unique_parameters(*model)) {
    auto found = mask.find(parameter.name());
    if (found == mask.end()) continue;
    masked += found->second.numel();
    pruned += count_zeros(found->second);
  }
  return {masked, pruned};
}

template <class Error>
std::string message_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception";
  return "";
}

TEST(PruningRun, RewindWritesMaskedInitAndFiles) {
  TempDir dir("rewind");
  const PruneOutcome outcome = run_pruning(request_into(dir / "p30"));
  for (const char* file : {"init.pt", "mask.pt", "sparsity.csv", "config.yaml", "prune.json"}) {
    EXPECT_TRUE(fs::exists(dir / "p30" / file)) << file;
  }
  EXPECT_FALSE(outcome.reused);

  // Exactly round(0.3 * N) of the N prunable weights, counting the tied embedding once.
  const StateDict mask = load_state_dict(dir / "p30" / "mask.pt");
  const auto [masked, pruned] = mask_counts(mask);
  EXPECT_EQ(outcome.masked, masked);
  EXPECT_EQ(pruned, count_to_prune(0.3, masked));
  EXPECT_EQ(outcome.pruned, pruned);

  // The init is w0 on the kept weights and exactly 0 on the pruned ones.
  const StateDict w0 = load_state_dict(tiny_base_run() / "init.pt");
  const StateDict init = load_state_dict(dir / "p30" / "init.pt");
  ASSERT_EQ(init.size(), w0.size());
  for (const auto& [name, tensor] : w0) {
    const at::Tensor expected = mask.count(name) ? tensor * mask.at(name) : tensor;
    EXPECT_TRUE(tensors_equal(init.at(name), expected)) << name;
  }
  EXPECT_TRUE(pruned_entries_are_zero(init, mask));

  // The retraining config starts from these files and keeps the base run's settings.
  const train::RunConfig config = train::load_run_config((dir / "p30" / "config.yaml").string(), {});
  EXPECT_EQ(config.train.init_from, (dir / "p30" / "init.pt").string());
  EXPECT_EQ(config.train.mask, (dir / "p30" / "mask.pt").string());
  EXPECT_EQ(config.model.d_model, 32);

  const nlohmann::json record = nlohmann::json::parse(read_text(dir / "p30" / "prune.json"));
  EXPECT_EQ(record.at("request").at("rate"), 0.3);
  EXPECT_EQ(record.at("request").at("scope"), "global");
  EXPECT_EQ(record.at("request").at("init"), "rewind");
  EXPECT_EQ(record.at("pruned_weights"), pruned);
  EXPECT_TRUE(record.contains("tlt_version"));

  const std::string csv = read_text(dir / "p30" / "sparsity.csv");
  EXPECT_EQ(csv.rfind("name,numel,pruned,sparsity\n", 0), 0u) << csv;
  EXPECT_NE(csv.find("\ntotal," + std::to_string(masked) + "," + std::to_string(pruned) + ","), std::string::npos)
      << csv;
}

TEST(PruningRun, TensorScopePrunesEveryTensorExactly) {
  TempDir dir("tensor");
  PruneRequest request = request_into(dir / "out", 0.8);
  request.prune.scope = PruneScope::kTensor;
  run_pruning(request);
  const StateDict mask = load_state_dict(dir / "out" / "mask.pt");
  for (const auto& [name, values] : mask) EXPECT_EQ(count_zeros(values), count_to_prune(0.8, values.numel())) << name;
}

TEST(PruningRun, CheckpointInitRewindsToEpochOrStep) {
  TempDir dir("late");
  PruneRequest epoch = request_into(dir / "epoch");
  epoch.init.mode = InitMode::kCheckpoint;
  epoch.init.rewind_to = "epoch:1";
  run_pruning(epoch);
  PruneRequest step = request_into(dir / "step");
  step.init.mode = InitMode::kCheckpoint;
  step.init.rewind_to = "step:2";
  run_pruning(step);

  const StateDict mask = load_state_dict(dir / "epoch" / "mask.pt");
  const StateDict epoch_1 = load_state_dict(tiny_base_run() / "epoch_001.pt");
  const StateDict step_2 = load_state_dict(tiny_base_run() / "step_000002.pt");
  EXPECT_TRUE(tensors_equal(load_state_dict(dir / "epoch" / "init.pt").at(kFeedForward),
                            epoch_1.at(kFeedForward) * mask.at(kFeedForward)));
  EXPECT_TRUE(tensors_equal(load_state_dict(dir / "step" / "init.pt").at(kFeedForward),
                            step_2.at(kFeedForward) * mask.at(kFeedForward)));
  EXPECT_FALSE(at::equal(epoch_1.at(kFeedForward), step_2.at(kFeedForward)));
}

TEST(PruningRun, MissingRewindCheckpointWritesNothing) {
  TempDir dir("missing_step");
  PruneRequest request = request_into(dir / "out");
  request.init.mode = InitMode::kCheckpoint;
  request.init.rewind_to = "step:3";
  const std::string message = message_of<CheckpointError>([&] { run_pruning(request); });
  EXPECT_NE(message.find("step_000003.pt not found"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST(PruningRun, RandomInitIsReproducibleBySeed) {
  TempDir dir("random");
  PruneRequest same_seed = request_into(dir / "seed1");
  same_seed.init.mode = InitMode::kRandom;
  same_seed.init.seed = 1;  // the base run's train.seed, so its w0
  run_pruning(same_seed);
  PruneRequest default_seed = request_into(dir / "default");
  default_seed.init.mode = InitMode::kRandom;
  run_pruning(default_seed);

  const StateDict mask = load_state_dict(dir / "seed1" / "mask.pt");
  const StateDict w0 = load_state_dict(tiny_base_run() / "init.pt");
  EXPECT_TRUE(tensors_equal(load_state_dict(dir / "seed1" / "init.pt").at(kFeedForward),
                            w0.at(kFeedForward) * mask.at(kFeedForward)));
  const StateDict other = load_state_dict(dir / "default" / "init.pt");
  EXPECT_FALSE(at::equal(other.at(kFeedForward), w0.at(kFeedForward) * mask.at(kFeedForward)));
  EXPECT_TRUE(pruned_entries_are_zero(other, mask));
  const nlohmann::json record = nlohmann::json::parse(read_text(dir / "default" / "prune.json"));
  EXPECT_EQ(record.at("init_seed"), 2);  // train.seed + 1
}

TEST(PruningRun, SameRequestKeepsFolderAndOtherNeedsForce) {
  TempDir dir("rerun");
  run_pruning(request_into(dir / "out"));
  const std::string mask_bytes = read_text(dir / "out" / "mask.pt");
  EXPECT_TRUE(run_pruning(request_into(dir / "out")).reused);

  const std::string message = message_of<ConfigError>([&] { run_pruning(request_into(dir / "out", 0.5)); });
  EXPECT_NE(message.find("contains a different pruning (rate: 0.3 in the folder, 0.5 now)"), std::string::npos)
      << message;
  EXPECT_NE(message.find("--force"), std::string::npos) << message;
  EXPECT_EQ(read_text(dir / "out" / "mask.pt"), mask_bytes);

  PruneRequest forced = request_into(dir / "out", 0.5);
  forced.force = true;
  EXPECT_FALSE(run_pruning(forced).reused);
  EXPECT_NE(read_text(dir / "out" / "mask.pt"), mask_bytes);
}

TEST(PruningRun, ForeignFolderIsNotOverwritten) {
  TempDir dir("foreign");
  tlt::testing::write_text(dir / "out" / "notes.txt", "mine");
  const std::string message = message_of<ConfigError>([&] { run_pruning(request_into(dir / "out")); });
  EXPECT_NE(message.find("contains no pruning (it has 'notes.txt')"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(dir / "out" / "mask.pt"));
}

TEST(PruningRun, BadInputsWriteNothing) {
  TempDir dir("bad");
  const fs::path out = dir / "out";

  EXPECT_NE(message_of<ConfigError>([&] { run_pruning(request_into(out, 1.0)); }).find("rate = 1 is out of range"),
            std::string::npos);

  PruneRequest pattern = request_into(out);
  pattern.prune.include = {"*.w_9.*"};
  EXPECT_NE(message_of<ConfigError>([&] { run_pruning(pattern); }).find("'*.w_9.*' matches no parameter"),
            std::string::npos);

  PruneRequest same_folder = request_into(tiny_base_run());
  EXPECT_NE(message_of<ConfigError>([&] { run_pruning(same_folder); }).find("is the source run folder"),
            std::string::npos);

  PruneRequest sets_mask = request_into(out);
  sets_mask.overrides = {"train.mask=other.pt"};
  EXPECT_NE(message_of<ConfigError>([&] { run_pruning(sets_mask); }).find("tlt prune sets train.mask"),
            std::string::npos);

  // A mask of another model's shapes.
  StateDict wrong;
  wrong[kFeedForward] = at::ones({3, 3});
  save_state_dict(wrong, dir / "wrong_mask.pt");
  PruneRequest mask = request_into(out);
  mask.mask = (dir / "wrong_mask.pt").string();
  EXPECT_NE(message_of<CheckpointError>([&] { run_pruning(mask); }).find("has a mask of shape [3, 3]"),
            std::string::npos);

  // A run folder without init.pt.
  const fs::path no_init = dir / "no_init";
  fs::create_directories(no_init);
  for (const char* file : {"config.yaml", "best.pt"}) fs::copy_file(tiny_base_run() / file, no_init / file);
  PruneRequest rewind = request_into(out);
  rewind.source_run = no_init.string();
  EXPECT_NE(message_of<CheckpointError>([&] { run_pruning(rewind); }).find("has no recorded init"),
            std::string::npos);

  PruneRequest no_run = request_into(out);
  no_run.source_run = (dir / "nowhere").string();
  EXPECT_NE(message_of<ConfigError>([&] { run_pruning(no_run); }).find("is not a tlt train run folder"),
            std::string::npos);

  EXPECT_FALSE(fs::exists(out));
}

/// Retrains a pruned run for one epoch, resumes it for the second, and checks the mask on every file.
void check_mask_survives_retraining(const std::vector<std::string>& optimizer_settings) {
  TempDir dir("retrain");
  PruneRequest request = request_into(dir / "p80", 0.8);
  request.overrides = optimizer_settings;
  run_pruning(request);
  const fs::path out = dir / "p80";
  const std::string mask_bytes = read_text(out / "mask.pt");
  const StateDict mask = load_state_dict(out / "mask.pt");

  train::TrainSession session;
  session.run_dir = (out / "train").string();
  train::run_training(train::load_run_config((out / "config.yaml").string(), {"train.epochs=1"}), session);
  session.resume = true;
  const train::TrainSummary summary =
      train::run_training(train::load_run_config((out / "train" / "config.yaml").string(), {"train.epochs=2"}), session);
  EXPECT_EQ(summary.epochs_done, 2);

  for (const char* file : {"init.pt", "step_000002.pt", "epoch_001.pt", "epoch_002.pt", "best.pt", "last.pt"}) {
    const StateDict weights = load_state_dict(out / "train" / file);
    EXPECT_TRUE(pruned_entries_are_zero(weights, mask)) << file;
  }
  // The weights did train: the kept entries moved away from the init.
  EXPECT_FALSE(at::equal(load_state_dict(out / "train" / "last.pt").at(kFeedForward),
                         load_state_dict(out / "train" / "init.pt").at(kFeedForward)));
  StateDict state_model;
  for (const auto& [name, tensor] : load_state_dict(out / "train" / "train_state.pt")) {
    if (name.rfind("model.", 0) == 0) state_model[name.substr(6)] = tensor;
  }
  EXPECT_TRUE(pruned_entries_are_zero(state_model, mask));
  EXPECT_EQ(read_text(out / "mask.pt"), mask_bytes);
  EXPECT_EQ(train::load_run_config((out / "train" / "config.yaml").string(), {}).train.mask,
            (out / "mask.pt").string());
}

TEST(PruningRun, MaskSurvivesAdamRetrainingAndResume) { check_mask_survives_retraining({}); }

TEST(PruningRun, MaskSurvivesSgdMomentumRetrainingAndResume) {
  check_mask_survives_retraining({"train.optimizer.name=sgd", "train.optimizer.momentum=0.9",
                                  "train.optimizer.weight_decay=0.01", "train.scheduler=none",
                                  "train.optimizer.lr=0.05"});
}

TEST(PruningRun, RetrainWritesSummaryAndSkipsWhenDone) {
  TempDir dir("retrain_flag");
  PruneRequest request = request_into(dir / "out", 0.5);
  request.retrain = true;
  request.overrides = {"train.epochs=1"};
  const PruneOutcome first = run_pruning(request);
  EXPECT_TRUE(first.retrained);
  EXPECT_EQ(first.retrain_summary.epochs_done, 1);
  EXPECT_TRUE(fs::exists(dir / "out" / "retrain.json"));
  EXPECT_TRUE(fs::exists(dir / "out" / "train" / "best.pt"));

  // A finished retraining is not started again: tlt train would rewrite run.json even when resuming.
  const auto written = fs::last_write_time(dir / "out" / "train" / "run.json");
  const PruneOutcome second = run_pruning(request);
  EXPECT_TRUE(second.reused);
  EXPECT_EQ(second.retrain_summary.best_epoch, first.retrain_summary.best_epoch);
  EXPECT_EQ(fs::last_write_time(dir / "out" / "train" / "run.json"), written);
}

TEST(PruningRun, RetrainResumesInterruptedTraining) {
  TempDir dir("retrain_resume");
  PruneRequest request = request_into(dir / "out", 0.5);
  request.overrides = {"train.epochs=2"};
  run_pruning(request);

  // An interrupted retraining: one of the two epochs is done.
  train::TrainSession session;
  session.run_dir = (dir / "out" / "train").string();
  train::run_training(train::load_run_config((dir / "out" / "config.yaml").string(), {"train.epochs=1"}), session);

  request.retrain = true;
  const PruneOutcome outcome = run_pruning(request);
  EXPECT_TRUE(outcome.reused);
  EXPECT_EQ(outcome.retrain_summary.epochs_done, 2);
  const std::string table = read_text(dir / "out" / "train" / "train.csv");
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 3) << table;
}

TEST(PruningRun, RetrainRestartsRunWithoutCompleteEpoch) {
  TempDir dir("retrain_restart");
  PruneRequest request = request_into(dir / "out", 0.5);
  request.overrides = {"train.epochs=1"};
  run_pruning(request);
  // A retraining stopped before its first epoch ended leaves init.pt but no train_state.pt.
  fs::create_directories(dir / "out" / "train");
  fs::copy_file(dir / "out" / "init.pt", dir / "out" / "train" / "init.pt");

  request.retrain = true;
  EXPECT_EQ(run_pruning(request).retrain_summary.epochs_done, 1);
  EXPECT_TRUE(fs::exists(dir / "out" / "train" / "train_state.pt"));
}

TEST(IterativePruning, PlanEndsExactlyOnTarget) {
  EXPECT_EQ(plan_rounds(0.5, 0.75), (std::vector<double>{0.5, 0.5}));
  const std::vector<double> rates = plan_rounds(0.2, 0.8);
  ASSERT_EQ(rates.size(), 8u);
  double remaining = 1.0;
  for (double rate : rates) remaining *= 1.0 - rate;
  EXPECT_NEAR(1.0 - remaining, 0.8, 1e-12);
  EXPECT_THROW(plan_rounds(0.0, 0.8), ConfigError);
  EXPECT_THROW(plan_rounds(0.2, 1.0), ConfigError);
  EXPECT_THROW(plan_rounds(0.001, 0.99), ConfigError);
}

TEST(IterativePruning, RoundsReachTargetAndRerunSkipsThem) {
  TempDir dir("iterative");
  IterativeRequest request;
  request.round = request_into(dir / "imp");
  request.round.overrides = {"train.epochs=1", "train.max_steps_per_epoch=2"};
  request.rate_per_round = 0.5;
  request.target = 0.75;
  const auto rounds = run_iterative_pruning(request);
  ASSERT_EQ(rounds.size(), 2u);

  const StateDict first_mask = load_state_dict(dir / "imp" / "round_01" / "mask.pt");
  const StateDict second_mask = load_state_dict(dir / "imp" / "round_02" / "mask.pt");
  const auto [masked, pruned] = mask_counts(second_mask);
  const int64_t after_first = count_to_prune(0.5, masked);
  EXPECT_EQ(rounds[0].outcome.pruned, after_first);
  EXPECT_EQ(pruned, after_first + count_to_prune(0.5, masked - after_first));
  // Round 2 keeps round 1's pruned weights pruned and rewinds to the base run's w0.
  for (const auto& [name, values] : first_mask) {
    EXPECT_EQ(count_zeros(second_mask.at(name).masked_select(values.eq(0))), count_zeros(values)) << name;
  }
  const StateDict w0 = load_state_dict(tiny_base_run() / "init.pt");
  EXPECT_TRUE(tensors_equal(load_state_dict(dir / "imp" / "round_02" / "init.pt").at(kFeedForward),
                            w0.at(kFeedForward) * second_mask.at(kFeedForward)));
  const std::string table = read_text(dir / "imp" / "rounds.csv");
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 3) << table;

  const auto rerun = run_iterative_pruning(request);
  ASSERT_EQ(rerun.size(), 2u);
  EXPECT_TRUE(rerun[0].outcome.reused);
  EXPECT_TRUE(rerun[1].outcome.reused);
  EXPECT_EQ(rerun[1].outcome.retrain_summary.best_epoch, rounds[1].outcome.retrain_summary.best_epoch);
}

}  // namespace
}  // namespace tlt::prune
