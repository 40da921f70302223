// c10d process groups of two ranks on 127.0.0.1, as threads of the test process, and the errors of a
// rendezvous that cannot complete. Every wait is bounded by a timeout of a few seconds.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <chrono>
#include <future>
#include <string>

#include "dist/loopback.h"
#include "tlt/dist/process_group.h"
#include "tlt/util/error.h"

namespace tlt::dist {
namespace {

using Clock = std::chrono::steady_clock;

using loopback::free_port;
using loopback::LoopbackListener;

LaunchEnvironment loopback_rank(int rank, int world_size, int port) {
  LaunchEnvironment launch;
  launch.rank = rank;
  launch.world_size = world_size;
  launch.master_addr = "127.0.0.1";
  launch.master_port = port;
  launch.source = "torchrun";
  return launch;
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

#if TLT_HAVE_GLOO

TEST(ProcessGroup, TwoRanksSumTensors) {
  const int port = free_port();
  auto run_rank = [port](int rank) {
    LaunchEnvironment launch = loopback_rank(rank, 2, port);
    launch.local_rank = rank;
    auto group = ProcessGroup::join(launch, std::chrono::seconds(20));
    EXPECT_EQ(group->rank(), rank);
    EXPECT_EQ(group->local_rank(), rank);
    at::Tensor values = at::full({3}, static_cast<double>(rank + 1), at::kDouble);
    group->all_reduce_sum(values);
    group->barrier();
    return values;
  };
  auto rank1 = std::async(std::launch::async, run_rank, 1);
  const at::Tensor rank0_values = run_rank(0);
  const at::Tensor rank1_values = rank1.get();
  EXPECT_TRUE(at::equal(rank0_values, at::full({3}, 3.0, at::kDouble)));
  EXPECT_TRUE(at::equal(rank1_values, at::full({3}, 3.0, at::kDouble)));
}

TEST(ProcessGroup, MissingRankTimesOut) {
  const auto start = Clock::now();
  try {
    ProcessGroup::join(loopback_rank(0, 2, free_port()), std::chrono::seconds(2));
    ADD_FAILURE() << "rank 0 joined a world of 2 alone";
  } catch (const DistributedError& e) {
    EXPECT_NE(std::string(e.what()).find("only 1 of 2 ranks (WORLD_SIZE) joined"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("frame #"), std::string::npos) << e.what();
  }
  EXPECT_LT(seconds_since(start), 60.0);
}

TEST(ProcessGroup, UnreachableRendezvousTimesOut) {
  const auto start = Clock::now();
  try {
    ProcessGroup::join(loopback_rank(1, 2, free_port()), std::chrono::seconds(2));
    ADD_FAILURE() << "rank 1 joined without a rank 0";
  } catch (const DistributedError& e) {
    EXPECT_NE(std::string(e.what()).find("MASTER_ADDR"), std::string::npos) << e.what();
  }
  EXPECT_LT(seconds_since(start), 60.0);
}

TEST(ProcessGroup, PortInUseIsReported) {
  LoopbackListener occupied;
  try {
    ProcessGroup::join(loopback_rank(0, 2, occupied.port()), std::chrono::seconds(2));
    ADD_FAILURE() << "rank 0 hosted the rendezvous on a port in use";
  } catch (const DistributedError& e) {
    EXPECT_NE(std::string(e.what()).find("MASTER_PORT"), std::string::npos) << e.what();
  }
}

#elif !TLT_HAVE_NCCL

TEST(ProcessGroup, WithoutGlooJoinIsRejected) {
  EXPECT_THROW(ProcessGroup::join(loopback_rank(0, 2, free_port()), std::chrono::seconds(2)), DistributedError);
}

#endif

}  // namespace
}  // namespace tlt::dist
