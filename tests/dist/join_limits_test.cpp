// Joining a process group ends within a bounded time when it cannot complete: the tlt executable as rank 1
// against a port that accepts connections but never answers, and as a waiting rank 0 that gets SIGTERM.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "dist/loopback.h"
#include "support/test_support.h"

namespace tlt::dist {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

using loopback::free_port;
using loopback::LoopbackListener;

class JoinLimits : public ::testing::Test {
 protected:
  void SetUp() override {
#if !TLT_HAVE_GLOO
    GTEST_SKIP() << "tlt was built without the Gloo backend";
#endif
    if (!fs::exists(tlt::testing::tlt_binary())) GTEST_SKIP() << "the tlt executable is not built";
  }

  /// A shell command that starts tlt landscape as `rank` of 2 at `port`; the run folder need not exist,
  /// because the ranks join before they read it.
  std::string rank_command(int rank, int port, int timeout_s) const {
    return "cd '" + dir_.path().string() + "' && RANK=" + std::to_string(rank) +
           " WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port) +
           " TLT_DIST_TIMEOUT_S=" + std::to_string(timeout_s) + " '" + tlt::testing::tlt_binary().string() +
           "' landscape --threads 1 --run missing-run --out surface.csv </dev/null";
  }

  tlt::testing::TempDir dir_{"join_limits"};
};

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

TEST_F(JoinLimits, SilentPortEndsWithError) {
  LoopbackListener silent;
  const auto start = Clock::now();
  const auto result = tlt::testing::run_command(rank_command(1, silent.port(), 1));
  EXPECT_EQ(result.exit_code, 4) << result.output;
  EXPECT_NE(result.output.find("MASTER_PORT"), std::string::npos) << result.output;
  // At most twice the 1 s timeout plus the watchdog's 10 s margin, with room for a loaded machine.
  EXPECT_LT(seconds_since(start), 60.0) << result.output;
  EXPECT_FALSE(fs::exists(dir_.path() / "surface.csv"));
}

TEST_F(JoinLimits, SigtermStopsWaitingRank) {
  const int port = free_port();
  // Rank 1 never starts, so rank 0 would wait for the whole 120 s timeout. The signal goes out once rank 0
  // logs that it is joining, because a loaded machine can take seconds to start it.
  const std::string log = (dir_.path() / "rank0.log").string();
  const std::string command = "{ (" + rank_command(0, port, 120) + ") >'" + log + "' 2>&1 & pid=$!; " +
                              "for i in $(seq 600); do grep -q joining '" + log + "' && break; sleep 0.1; done; " +
                              "kill -TERM $pid; wait $pid; code=$?; cat '" + log + "'; exit $code; }";
  const auto start = Clock::now();
  const auto result = tlt::testing::run_command(command);
  EXPECT_EQ(result.exit_code, 130) << result.output;
  EXPECT_NE(result.output.find("interrupted while rank 0 was joining"), std::string::npos) << result.output;
  EXPECT_LT(seconds_since(start), 60.0) << result.output;
}

}  // namespace
}  // namespace tlt::dist
