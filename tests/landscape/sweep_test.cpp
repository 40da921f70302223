#include "tlt/landscape/sweep.h"

#include <gtest/gtest.h>

#include <sstream>

#include "support/test_support.h"
#include "tlt/landscape/surface.h"
#include "tlt/train/trainer.h"
#include "tlt/util/error.h"
#include "tlt/util/file_io.h"

namespace tlt::landscape {
namespace {

namespace fs = std::filesystem;
using tlt::testing::TempDir;

fs::path train_tiny_run(const TempDir& dir) {
  const std::vector<std::string> overrides = {"data.dir=" + tlt::testing::multi30k_dir().string(),
                                              "data.cache_dir=" + (fs::current_path() / "cache").string(),
                                              "train.epochs=1", "train.max_steps_per_epoch=2"};
  const train::RunConfig config =
      train::load_run_config((tlt::testing::source_dir() / "configs" / "tiny.yaml").string(), overrides);
  train::TrainSession session;
  session.run_dir = (dir / "run").string();
  train::run_training(config, session);
  return dir / "run";
}

SweepOptions tiny_sweep(const fs::path& run, const fs::path& out) {
  SweepOptions options;
  options.run_dir = run.string();
  options.x_range = "-1:1:2";
  options.y_range = "-1:1:2";
  options.scale = 0.5;
  options.epochs = 1;
  options.max_steps_per_epoch = 2;
  options.directions.x = "target";
  options.out = out.string();
  return options;
}

size_t count_rows(const fs::path& csv) {
  std::istringstream in(read_file(csv));
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, kSurfaceColumns);
  size_t rows = 0;
  while (std::getline(in, line)) rows += line.empty() ? 0 : 1;
  return rows;
}

TEST(Sweep, TrainsEveryPointAndResumes) {
  TempDir dir("sweep");
  const fs::path run = train_tiny_run(dir);
  SweepOptions options = tiny_sweep(run, dir / "sweep");
  options.max_points = 3;
  const SweepSummary first = run_sweep(options);
  EXPECT_EQ(first.points, 4);
  EXPECT_EQ(first.trained, 3);
  EXPECT_EQ(first.complete, 3);
  EXPECT_EQ(count_rows(dir / "sweep" / "sweep_epoch_001.csv"), 3u);

  options.max_points = 0;
  const SweepSummary second = run_sweep(options);
  EXPECT_EQ(second.trained, 1) << "finished points are skipped";
  EXPECT_EQ(second.complete, 4);
  EXPECT_EQ(count_rows(dir / "sweep" / "sweep_epoch_001.csv"), 4u);
  EXPECT_TRUE(fs::exists(dir / "sweep" / "points" / "x001_y001" / "run" / "last.pt"));
  EXPECT_TRUE(fs::exists(dir / "sweep" / "x.pt"));
  const nlohmann::json sidecar = nlohmann::json::parse(read_file(dir / "sweep" / "sweep.json"));
  EXPECT_EQ(sidecar["directions"]["x"]["kind"], "target");
  EXPECT_EQ(sidecar["directions"]["x"]["to"], (run / "best.pt").string());
}

TEST(Sweep, RejectsFolderOfOtherSweep) {
  TempDir dir("sweep_other");
  const fs::path run = train_tiny_run(dir);
  SweepOptions options = tiny_sweep(run, dir / "sweep");
  options.max_points = 1;
  run_sweep(options);
  options.scale = 0.25;
  EXPECT_THROW(run_sweep(options), ConfigError);
}

TEST(Sweep, RejectsBadOptions) {
  SweepOptions options;
  options.epochs = 0;
  options.max_steps_per_epoch = -1;
  const std::vector<std::string> violations = validate(options);
  ASSERT_EQ(violations.size(), 3u);
  EXPECT_NE(violations[0].find("--run"), std::string::npos);
  EXPECT_NE(violations[1].find("--epochs 0"), std::string::npos);
  EXPECT_NE(violations[2].find("--max-steps-per-epoch -1"), std::string::npos);
}

}  // namespace
}  // namespace tlt::landscape
