#include "tlt/synth/optimizer_study.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/test_support.h"
#include "synth/synth_test_support.h"
#include "tlt/model/parameters.h"
#include "tlt/util/error.h"
#include "tlt/util/file_io.h"
#include "tlt/util/state_dict.h"

namespace tlt::synth {
namespace {

using tlt::testing::read_text;
using tlt::testing::TempDir;
using tlt::testing::tensors_equal;

std::vector<EpochRecord> read_table(const fs::path& path) { return parse_epoch_table(read_text(path), path.string()); }

// Drops the last column (wall_s) of every line of summary.csv.
std::string without_wall_times(const std::string& summary) {
  std::string result;
  size_t start = 0;
  while (start < summary.size()) {
    const size_t end = summary.find('\n', start);
    const std::string line = summary.substr(start, end - start);
    result += line.substr(0, line.rfind(',')) + "\n";
    start = end + 1;
  }
  return result;
}

TEST(OptimizerStudy, LossFallsOnSmallRun) {
  TempDir dir("study");
  SynthAttnConfig config = synth::testing::small_study_config();
  config.train.settings = {"adam"};
  config.train.epochs = 5;
  run_optimizer_study(config, dir.path());

  const std::vector<EpochRecord> records = read_table(dir / "adam.csv");
  ASSERT_EQ(records.size(), 6u);
  EXPECT_LT(records.back().valid_loss, records.front().valid_loss - 0.05);
  EXPECT_LT(records.back().train_loss, records[1].train_loss);
  EXPECT_GT(records.back().valid_acc, records.front().valid_acc);
}

TEST(OptimizerStudy, SameSeedGivesIdenticalFiles) {
  TempDir first("first");
  TempDir second("second");
  const SynthAttnConfig config = synth::testing::small_study_config();
  const std::vector<SettingSummary> summaries = run_optimizer_study(config, first.path());
  run_optimizer_study(config, second.path());

  ASSERT_EQ(summaries.size(), 6u);
  for (const Setting& setting : all_settings()) {
    EXPECT_EQ(read_text(first / (setting.name + ".csv")), read_text(second / (setting.name + ".csv"))) << setting.name;
    EXPECT_TRUE(tensors_equal(load_state_dict(first / (setting.name + ".pt")).at("classifier.weight"),
                              load_state_dict(second / (setting.name + ".pt")).at("classifier.weight")))
        << setting.name;
  }
  EXPECT_EQ(without_wall_times(read_text(first / "summary.csv")), without_wall_times(read_text(second / "summary.csv")));
  EXPECT_EQ(read_text(first / "config.yaml"), read_text(second / "config.yaml"));
}

TEST(OptimizerStudy, SettingsShareInitialWeightsAndEpochZero) {
  TempDir dir("study");
  SynthAttnConfig config = synth::testing::small_study_config();
  config.train.settings = {"sgd", "adam+plateau"};
  config.train.epochs = 1;
  run_optimizer_study(config, dir.path());
  const EpochRecord sgd = read_table(dir / "sgd.csv").front();
  const EpochRecord adam = read_table(dir / "adam+plateau.csv").front();
  EXPECT_EQ(sgd.train_loss, adam.train_loss);
  EXPECT_EQ(sgd.valid_loss, adam.valid_loss);
  EXPECT_DOUBLE_EQ(sgd.lr, config.sgd.lr);
  EXPECT_DOUBLE_EQ(adam.lr, config.adam.lr);
}

TEST(OptimizerStudy, SubsetRunsOnlyChosenSettings) {
  TempDir dir("study");
  SynthAttnConfig config = synth::testing::small_study_config();
  config.train.settings = {"nag+plateau", "sgd"};
  const std::vector<SettingSummary> summaries = run_optimizer_study(config, dir.path());

  ASSERT_EQ(summaries.size(), 2u);
  EXPECT_EQ(summaries[0].setting, "nag+plateau");
  EXPECT_EQ(summaries[1].setting, "sgd");
  EXPECT_TRUE(fs::exists(dir / "nag+plateau.csv"));
  EXPECT_TRUE(fs::exists(dir / "sgd.pt"));
  EXPECT_FALSE(fs::exists(dir / "adam.csv"));
  EXPECT_FALSE(fs::exists(dir / "nag.csv"));
  const std::string summary = read_text(dir / "summary.csv");
  EXPECT_EQ(summary.substr(0, summary.find('\n')),
            "setting,best_valid_loss,best_valid_loss_epoch,best_valid_acc,best_valid_acc_epoch,final_valid_loss,"
            "final_valid_acc,first_epoch_below_threshold,wall_s");
  EXPECT_NE(summary.find("\nnag+plateau,"), std::string::npos);
  EXPECT_LT(summary.find("\nnag+plateau,"), summary.find("\nsgd,"));
}

TEST(OptimizerStudy, RestartSkipsCompletedSettings) {
  TempDir dir("study");
  SynthAttnConfig config = synth::testing::small_study_config();
  config.train.settings = {"sgd", "adam"};
  run_optimizer_study(config, dir.path());
  const std::string sgd_table = read_text(dir / "sgd.csv");
  const std::string adam_table = read_text(dir / "adam.csv");
  const std::string summary = read_text(dir / "summary.csv");
  const auto sgd_time = fs::last_write_time(dir / "sgd.csv");

  // An interrupted adam run: its table stops after epoch 1.
  write_file_atomic(dir / "adam.csv", adam_table.substr(0, adam_table.find("\n2,") + 1));
  run_optimizer_study(config, dir.path());

  EXPECT_EQ(fs::last_write_time(dir / "sgd.csv"), sgd_time);
  EXPECT_EQ(read_text(dir / "sgd.csv"), sgd_table);
  EXPECT_EQ(read_text(dir / "adam.csv"), adam_table);
  // The skipped setting keeps the wall time of the run that trained it.
  EXPECT_EQ(read_text(dir / "summary.csv").substr(0, summary.find("\nadam,")), summary.substr(0, summary.find("\nadam,")));
}

TEST(OptimizerStudy, FolderOfAnotherStudyIsRejected) {
  TempDir dir("study");
  SynthAttnConfig config = synth::testing::small_study_config();
  config.train.settings = {"sgd"};
  run_optimizer_study(config, dir.path());

  // Another subset of settings is the same study.
  config.train.settings = {"adam"};
  EXPECT_NO_THROW(run_optimizer_study(config, dir.path()));

  config.task.seed = 2;
  try {
    run_optimizer_study(config, dir.path());
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("another config"), std::string::npos) << message;
    EXPECT_NE(message.find("seed: 2"), std::string::npos) << message;
  }
}

TEST(OptimizerStudy, WeightsFilesReproduceTheTable) {
  TempDir dir("study");
  SynthAttnConfig config = synth::testing::small_study_config();
  config.train.settings = {"nag"};
  run_optimizer_study(config, dir.path());

  AttentionClassifier learner = make_learner(config.task, config.model, 99);
  const SyntheticDataset dataset = make_synthetic_dataset(config.task);
  const std::vector<EpochRecord> records = read_table(dir / "nag.csv");

  model::load_module_state(*learner, load_state_dict(dir / "init.pt"), "init.pt");
  EXPECT_NEAR(evaluate(learner, dataset.valid).loss, records.front().valid_loss, 1e-7);
  model::load_module_state(*learner, load_state_dict(dir / "nag.pt"), "nag.pt");
  const Evaluation final_valid = evaluate(learner, dataset.valid);
  EXPECT_NEAR(final_valid.loss, records.back().valid_loss, 1e-7);
  EXPECT_NEAR(final_valid.accuracy, records.back().valid_acc, 1e-8);
}

TEST(OptimizerStudy, MatchesPyTorchReference) {
  const nlohmann::json reference = synth::testing::load_reference();
  const nlohmann::json& study = reference.at("study");
  SynthAttnConfig config;
  config.task = synth::testing::reference_task_options(reference);
  config.model.n_head = study.at("learner").at("n_head");
  config.model.d_k = study.at("learner").at("d_k");
  config.model.d_v = study.at("learner").at("d_v");
  config.train.seed = study.at("study").at("seed");
  config.train.epochs = study.at("study").at("epochs");
  config.train.batch_size = study.at("study").at("batch_size");
  config.sgd.lr = study.at("optimizers").at("sgd").at("lr");
  config.nag.lr = study.at("optimizers").at("nag").at("lr");
  config.nag.momentum = study.at("optimizers").at("nag").at("momentum");
  config.adam.lr = study.at("optimizers").at("adam").at("lr");
  config.plateau.factor = study.at("plateau").at("factor");
  config.plateau.patience = study.at("plateau").at("patience");
  config.plateau.threshold = study.at("plateau").at("threshold");
  config.plateau.threshold_mode = optim::ThresholdMode::kAbs;
  config.train.settings.clear();
  for (const auto& [setting, rows] : study.at("rows").items()) config.train.settings.push_back(setting);

  TempDir dir("study");
  run_optimizer_study(config, dir.path());
  for (const auto& [setting, rows] : study.at("rows").items()) {
    const std::vector<EpochRecord> records = read_table(dir / (setting + ".csv"));
    ASSERT_EQ(records.size(), rows.size()) << setting;
    for (size_t epoch = 0; epoch < records.size(); ++epoch) {
      const nlohmann::json& row = rows[epoch];
      const EpochRecord& record = records[epoch];
      const std::string where = setting + " epoch " + std::to_string(epoch);
      EXPECT_EQ(record.epoch, row[0].get<int64_t>()) << where;
      // The CSV keeps 9 significant digits; float32 training agrees with PyTorch far below that.
      EXPECT_NEAR(record.train_loss, row[1].get<double>(), 1e-6) << where;
      EXPECT_NEAR(record.train_acc, row[2].get<double>(), 1e-8) << where;
      EXPECT_NEAR(record.valid_loss, row[3].get<double>(), 1e-6) << where;
      EXPECT_NEAR(record.valid_acc, row[4].get<double>(), 1e-8) << where;
      EXPECT_NEAR(record.lr, row[5].get<double>(), 1e-12) << where;
      EXPECT_EQ(record.lr_reduced, row[6].get<int>() == 1) << where;
    }
  }
}

}  // namespace
}  // namespace tlt::synth
