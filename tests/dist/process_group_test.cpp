// c10d process groups of two ranks on 127.0.0.1, as threads of the test process, and the errors of a
// rendezvous that cannot complete. Every wait is bounded by a timeout of a few seconds.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ATen/ATen.h>

#include <chrono>
#include <future>
#include <string>

#include "tlt/dist/process_group.h"
#include "tlt/util/error.h"

namespace tlt::dist {
namespace {

using Clock = std::chrono::steady_clock;

/// A listening TCP socket on 127.0.0.1 with a port chosen by the kernel, closed on destruction.
class LoopbackListener {
 public:
  LoopbackListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 || ::listen(fd_, 4) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1";
    }
    socklen_t length = sizeof(address);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~LoopbackListener() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

/// A port that was free a moment ago.
int free_port() {
  LoopbackListener listener;
  return listener.port();
}

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
