// tlt landscape and tlt train over two ranks on 127.0.0.1, launched by scripts/launch_local.sh as torchrun
// would: the same surface CSV as one process, a rerun that completes a surface after a rank was killed,
// and data-parallel training steps that match one process.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <thread>

#include "dist/loopback.h"
#include "support/test_support.h"
#include "tlt/util/state_dict.h"

namespace tlt::dist {
namespace {

namespace fs = std::filesystem;
using tlt::testing::read_text;
using tlt::testing::run_command;
using tlt::testing::run_tlt;

using loopback::free_port;

class LocalLaunch : public ::testing::Test {
 protected:
  void SetUp() override {
#if !TLT_HAVE_GLOO
    GTEST_SKIP() << "tlt was built without the Gloo backend";
#endif
    if (!fs::exists(tlt::testing::tlt_binary())) GTEST_SKIP() << "the tlt executable is not built";
    const auto trained = run_tlt(train_arguments("base"), dir_.path());
    ASSERT_EQ(trained.exit_code, 0) << trained.output;
  }

  /// A tiny training run of 3 SGD steps without dropout into folder `out`. SGD, unlike Adam, would show
  /// gradients that are scaled wrongly across ranks.
  static std::string train_arguments(const std::string& out) {
    return "train --threads 1 --config '" + (tlt::testing::source_dir() / "configs" / "tiny.yaml").string() +
           "' --set data.dir='" + tlt::testing::multi30k_dir().string() + "' --set data.cache_dir='" +
           (fs::current_path() / "cache").string() +
           "' --set train.epochs=1 --set train.max_steps_per_epoch=3 --set model.dropout=0 --set train.optimizer.name=sgd "
           "--set train.optimizer.lr=0.001 --set train.scheduler=none --out " + out;
  }

  /// The landscape arguments shared by every run of a test; `grid` is the number of points per axis.
  static std::string surface_arguments(int grid, const std::string& out) {
    const std::string range = "=-1:1:" + std::to_string(grid);
    return "landscape --threads 1 --run base --x-range" + range + " --y-range" + range +
           " --eval-sentences 100 --save-interval 0 --out " + out;
  }

  /// The launcher command for `ranks` ranks of tlt with `arguments`, run in the test folder.
  std::string launch(int ranks, const std::string& arguments, const std::string& environment = "") const {
    return "cd '" + dir_.path().string() + "' && " + environment + " MASTER_PORT=" + std::to_string(free_port()) +
           " bash '" + (tlt::testing::source_dir() / "scripts" / "launch_local.sh").string() + "' " +
           std::to_string(ranks) + " '" + tlt::testing::tlt_binary().string() + "' " + arguments + " </dev/null";
  }

  tlt::testing::TempDir dir_{"local_launch"};
};

TEST_F(LocalLaunch, LandscapeTwoRanksMatchOne) {
  const auto one = run_tlt(surface_arguments(5, "one.csv"), dir_.path());
  ASSERT_EQ(one.exit_code, 0) << one.output;
  const auto two = run_command(launch(2, surface_arguments(5, "two.csv")));
  ASSERT_EQ(two.exit_code, 0) << two.output;

  EXPECT_EQ(read_text(dir_.path() / "two.csv"), read_text(dir_.path() / "one.csv"));
  EXPECT_NE(read_text(dir_.path() / "two.csv.json").find("\"ranks\": 2"), std::string::npos);
  // Only rank 0 prints the path of the surface it wrote.
  std::istringstream lines(two.output);
  int path_lines = 0;
  for (std::string line; std::getline(lines, line);) path_lines += line == "two.csv" ? 1 : 0;
  EXPECT_EQ(path_lines, 1) << two.output;
  for (const char* leftover : {"two.csv.partial", "two.csv.partial.rank0", "two.csv.partial.rank1"}) {
    EXPECT_FALSE(fs::exists(dir_.path() / leftover)) << leftover;
  }
}

TEST_F(LocalLaunch, LandscapeRerunAfterKilledRank) {
  const auto one = run_tlt(surface_arguments(10, "one.csv"), dir_.path());
  ASSERT_EQ(one.exit_code, 0) << one.output;

  // Two ranks started by hand, so that rank 1 can be killed once it has saved a few points.
  const fs::path rank1_partial = dir_.path() / "two.csv.partial.rank1";
  const std::string port = std::to_string(free_port());
  const std::string common = "WORLD_SIZE=2 LOCAL_WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + port +
                             " TLT_DIST_TIMEOUT_S=20 ";
  const std::string tlt = "'" + tlt::testing::tlt_binary().string() + "' " + surface_arguments(10, "two.csv");
  const auto started = run_command("cd '" + dir_.path().string() + "' && { " + common + "RANK=0 " + tlt +
                                   " >rank0.log 2>&1 </dev/null & echo $! >rank0.pid; " + common + "RANK=1 " + tlt +
                                   " >rank1.log 2>&1 </dev/null & echo $! >rank1.pid; }");
  ASSERT_EQ(started.exit_code, 0) << started.output;
  const pid_t rank1 = std::stoi(read_text(dir_.path() / "rank1.pid"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  bool killed = false;
  while (std::chrono::steady_clock::now() < deadline) {
    if (fs::exists(rank1_partial)) {
      const std::string rows = read_text(rank1_partial);
      if (std::count(rows.begin(), rows.end(), '\n') >= 4) {  // the hash line, the header and 2 points
        killed = ::kill(rank1, SIGKILL) == 0;
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(killed) << "rank 1 saved no points in time, or finished first:\n"
                      << read_text(dir_.path() / "rank1.log");
  // Rank 0 finishes its own points, then fails at the gather with exit code 4 within the timeout.
  const auto rank0 = run_command("cd '" + dir_.path().string() + "' && while kill -0 $(cat rank0.pid) 2>/dev/null; "
                                 "do sleep 0.1; done; cat rank0.log");
  EXPECT_NE(rank0.output.find("error: rank 0"), std::string::npos) << rank0.output;
  EXPECT_FALSE(fs::exists(dir_.path() / "two.csv"));

  const auto rerun = run_command(launch(2, surface_arguments(10, "two.csv")));
  ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_NE(rerun.output.find("resuming"), std::string::npos) << rerun.output;
  EXPECT_EQ(read_text(dir_.path() / "two.csv"), read_text(dir_.path() / "one.csv"));
}

TEST_F(LocalLaunch, SweepTwoRanksMatchOne) {
  const std::string sweep = "landscape sweep --threads 1 --run base --x-range=-1:1:3 --y-range=-1:1:2 --epochs 1 "
                            "--max-steps-per-epoch 1 --out ";
  const auto one = run_tlt(sweep + "sweep_one", dir_.path());
  ASSERT_EQ(one.exit_code, 0) << one.output;
  const auto two = run_command(launch(2, sweep + "sweep_two"));
  ASSERT_EQ(two.exit_code, 0) << two.output;
  EXPECT_EQ(read_text(dir_.path() / "sweep_two" / "sweep_epoch_001.csv"),
            read_text(dir_.path() / "sweep_one" / "sweep_epoch_001.csv"));
}

TEST_F(LocalLaunch, TrainingTwoRanksMatchOne) {
  const auto two = run_command(launch(2, train_arguments("two")));
  ASSERT_EQ(two.exit_code, 0) << two.output;

  // The base run of SetUp is the one-process run of the same 3 global batches.
  const StateDict one_weights = load_state_dict(dir_.path() / "base" / "last.pt");
  const StateDict two_weights = load_state_dict(dir_.path() / "two" / "last.pt");
  ASSERT_EQ(one_weights.size(), two_weights.size());
  for (const auto& [name, tensor] : one_weights) {
    EXPECT_TRUE(tlt::testing::tensors_close(two_weights.at(name), tensor, 1e-5, 1e-4)) << name;
  }
  auto loss_of = [](const std::string& table) {  // train.csv: epoch,step,loss,...
    const std::string row = table.substr(table.find('\n') + 1);
    const size_t start = row.find(',', row.find(',') + 1) + 1;
    return std::stod(row.substr(start, row.find(',', start) - start));
  };
  const double one_loss = loss_of(read_text(dir_.path() / "base" / "train.csv"));
  const double two_loss = loss_of(read_text(dir_.path() / "two" / "train.csv"));
  EXPECT_NEAR(two_loss, one_loss, 1e-4 * one_loss);
  EXPECT_NE(read_text(dir_.path() / "two" / "run.json").find("\"ranks\": 2"), std::string::npos);
  EXPECT_NE(read_text(dir_.path() / "base" / "run.json").find("\"ranks\": 1"), std::string::npos);
}

}  // namespace
}  // namespace tlt::dist
