#include "tlt/train/trainer.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/test_support.h"
#include "tlt/model/parameters.h"
#include "tlt/train/metrics_table.h"
#include "tlt/util/error.h"
#include "tlt/util/state_dict.h"

namespace tlt::train {
namespace {

namespace fs = std::filesystem;
using tlt::testing::TempDir;

RunConfig tiny_config(std::vector<std::string> overrides = {}) {
  overrides.insert(overrides.begin(), {"data.dir=" + tlt::testing::multi30k_dir().string(),
                                       "data.cache_dir=" + (fs::current_path() / "cache").string()});
  return load_run_config((tlt::testing::source_dir() / "configs" / "tiny.yaml").string(), overrides);
}

std::vector<std::vector<std::string>> read_csv(const fs::path& path) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(tlt::testing::read_text(path));
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream cells_in(line);
    std::string cell;
    while (std::getline(cells_in, cell, ',')) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

/// Drops the columns that measure time, which differ between runs.
std::vector<std::vector<std::string>> without_timing(std::vector<std::vector<std::string>> rows) {
  const auto header = rows.front();
  for (auto& row : rows) {
    std::vector<std::string> kept;
    for (size_t i = 0; i < row.size(); ++i) {
      if (header[i] != "wall_s" && header[i] != "tok_per_s") kept.push_back(row[i]);
    }
    row = kept;
  }
  return rows;
}

void expect_same_weights(const fs::path& a, const fs::path& b) {
  const StateDict first = load_state_dict(a);
  const StateDict second = load_state_dict(b);
  ASSERT_EQ(first.size(), second.size());
  for (const auto& [name, tensor] : first) {
    EXPECT_TRUE(tlt::testing::tensors_equal(second.at(name), tensor)) << name;
  }
}

TEST(Trainer, TinyRunWritesRunFolder) {
  TempDir dir("run");
  TrainSession session;
  session.run_dir = (dir / "base").string();
  const TrainSummary summary = run_training(tiny_config(), session);

  EXPECT_EQ(summary.epochs_done, 2);
  for (const char* file : {"config.yaml", "run.json", "init.pt", "epoch_001.pt", "epoch_002.pt", "best.pt", "last.pt",
                           "train.csv", "valid.csv", "train_state.pt", "train.log"}) {
    EXPECT_TRUE(fs::exists(dir / "base" / file)) << file;
  }
  const auto train_rows = read_csv(dir / "base" / "train.csv");
  ASSERT_EQ(train_rows.size(), 3u);
  EXPECT_LT(std::stod(train_rows[2][2]), std::stod(train_rows[1][2])) << "training loss should fall";
  EXPECT_EQ(read_csv(dir / "base" / "valid.csv").size(), 3u);

  // init.pt is w0: it differs from the trained weights.
  const StateDict init = load_state_dict(dir / "base" / "init.pt");
  const StateDict last = load_state_dict(dir / "base" / "last.pt");
  EXPECT_FALSE(at::equal(init.at("encoder.layer_stack.0.pos_ffn.w_1.weight"),
                         last.at("encoder.layer_stack.0.pos_ffn.w_1.weight")));
}

TEST(Trainer, BleuColumnIsFilledOnSelectedEpochs) {
  TempDir dir("bleu");
  TrainSession session;
  session.run_dir = (dir / "base").string();
  run_training(tiny_config({"train.epochs=3", "train.bleu_every=2", "train.bleu_sentences=20"}), session);

  const auto rows = read_csv(dir / "base" / "valid.csv");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].back(), "bleu");
  EXPECT_EQ(rows[1].size(), 6u) << "epoch 1 is not a BLEU epoch, so its bleu cell is empty";
  for (size_t epoch : {2u, 3u}) {  // every second epoch, and the last
    ASSERT_EQ(rows[epoch].size(), 7u) << epoch;
    const double bleu = std::stod(rows[epoch][6]);
    EXPECT_GE(bleu, 0.0);
    EXPECT_LE(bleu, 100.0);
  }
}

TEST(MetricsTable, ContinuesTableWithoutNewerColumns) {
  TempDir dir("older");
  const fs::path path = dir / "valid.csv";
  std::ofstream(path) << "epoch,loss\n1,2.5\n2,2.0\n";
  MetricsTable table(path, {"epoch", "loss", "bleu"});
  table.load_existing(1);
  table.append({"2", "1.9", "12.5"});
  EXPECT_EQ(tlt::testing::read_text(path), "epoch,loss,bleu\n1,2.5,\n2,1.9,12.5\n");

  std::ofstream(path) << "epoch,acc\n";
  EXPECT_THROW(MetricsTable(path, {"epoch", "loss", "bleu"}).load_existing(1), DataError);
}

TEST(TrainCommand, ResumeContinuesRun) {
  if (!fs::exists(tlt::testing::tlt_binary())) GTEST_SKIP() << "the tlt executable is not built";
  TempDir dir("command_resume");
  const std::string data = " --set data.dir='" + tlt::testing::multi30k_dir().string() + "' --set data.cache_dir='" +
                           (fs::current_path() / "cache").string() + "'";
  const auto first = tlt::testing::run_tlt("train --threads 1 --config '" +
                                               (tlt::testing::source_dir() / "configs" / "tiny.yaml").string() + "'" +
                                               data + " --set train.epochs=1 --out run",
                                           dir.path());
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const auto resumed = tlt::testing::run_tlt("train --threads 1 --resume run --set train.epochs=2", dir.path());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_EQ(read_csv(dir / "run" / "valid.csv").size(), 3u);

  const auto both = tlt::testing::run_tlt("train --resume run --config x.yaml", dir.path());
  EXPECT_EQ(both.exit_code, 2) << both.output;
  EXPECT_NE(both.output.find("drop --config and --out"), std::string::npos) << both.output;
}

TEST(Trainer, ResumeMatchesStraightRun) {
  TempDir dir("resume");
  TrainSession straight;
  straight.run_dir = (dir / "straight").string();
  run_training(tiny_config(), straight);

  TrainSession first_half;
  first_half.run_dir = (dir / "resumed").string();
  run_training(tiny_config({"train.epochs=1"}), first_half);
  TrainSession second_half = first_half;
  second_half.resume = true;
  run_training(tiny_config(), second_half);

  EXPECT_EQ(without_timing(read_csv(dir / "resumed" / "train.csv")),
            without_timing(read_csv(dir / "straight" / "train.csv")));
  EXPECT_EQ(without_timing(read_csv(dir / "resumed" / "valid.csv")),
            without_timing(read_csv(dir / "straight" / "valid.csv")));
  expect_same_weights(dir / "resumed" / "last.pt", dir / "straight" / "last.pt");
}

TEST(Trainer, SameSeedGivesIdenticalRuns) {
  TempDir dir("seed");
  TrainSession a;
  a.run_dir = (dir / "a").string();
  TrainSession b;
  b.run_dir = (dir / "b").string();
  run_training(tiny_config({"train.epochs=1"}), a);
  run_training(tiny_config({"train.epochs=1"}), b);
  EXPECT_EQ(without_timing(read_csv(dir / "a" / "train.csv")), without_timing(read_csv(dir / "b" / "train.csv")));
  expect_same_weights(dir / "a" / "last.pt", dir / "b" / "last.pt");
}

TEST(Trainer, ExistingRunIsNotOverwritten) {
  TempDir dir("exists");
  TrainSession session;
  session.run_dir = (dir / "base").string();
  run_training(tiny_config({"train.epochs=1", "train.max_steps_per_epoch=2"}), session);
  const std::string before = tlt::testing::read_text(dir / "base" / "train.csv");
  try {
    run_training(tiny_config({"train.epochs=1"}), session);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("already contains a run"), std::string::npos) << e.what();
  }
  EXPECT_EQ(tlt::testing::read_text(dir / "base" / "train.csv"), before);
}

TEST(Trainer, TruncatedInitCheckpointIsRejected) {
  TempDir dir("truncated");
  TrainSession session;
  session.run_dir = (dir / "base").string();
  run_training(tiny_config({"train.epochs=1", "train.max_steps_per_epoch=1"}), session);
  const std::string bytes = tlt::testing::read_text(dir / "base" / "last.pt");
  tlt::testing::write_text(dir / "cut.pt", bytes.substr(0, bytes.size() / 2));

  TrainSession retrain;
  retrain.run_dir = (dir / "retrain").string();
  try {
    run_training(tiny_config({"train.init_from=" + (dir / "cut.pt").string()}), retrain);
    FAIL() << "expected CheckpointError";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("cut.pt"), std::string::npos) << e.what();
  }
}

TEST(Trainer, CheckpointOfOtherShapeIsRejected) {
  TempDir dir("shape");
  TrainSession session;
  session.run_dir = (dir / "base").string();
  run_training(tiny_config({"train.epochs=1", "train.max_steps_per_epoch=1"}), session);

  TrainSession retrain;
  retrain.run_dir = (dir / "wider").string();
  try {
    run_training(tiny_config({"model.d_inner=128", "train.init_from=" + (dir / "base" / "last.pt").string()}), retrain);
    FAIL() << "expected CheckpointError";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("does not match the model"), std::string::npos) << e.what();
  }
}

TEST(Trainer, PythonReadsCheckpoints) {
  if (!fs::exists("/usr/bin/python3")) GTEST_SKIP() << "Debian's python3 is not installed";
  TempDir dir("python");
  TrainSession session;
  session.run_dir = (dir / "base").string();
  run_training(tiny_config({"train.epochs=1", "train.max_steps_per_epoch=2"}), session);
  const auto result = tlt::testing::run_command(
      "/usr/bin/python3 -c \"import torch; sd = torch.load('" + (dir / "base" / "best.pt").string() +
      "'); print(len(sd), tuple(sd['trg_word_prj.weight'].shape))\"");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("(500, 32)"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace tlt::train
