#include "dist/join_watchdog.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "tlt/util/interrupt.h"

namespace tlt::dist::detail {

namespace {

/// Prints `message` as the executable prints its errors and ends the process at once.
[[noreturn]] void exit_with(const std::string& message, int exit_code) {
  spdlog::default_logger()->flush();
  std::fprintf(stderr, "tlt: %s\n", message.c_str());
  std::fflush(stderr);
  std::_Exit(exit_code);
}

}  // namespace

JoinWatchdog::JoinWatchdog(std::chrono::milliseconds limit, std::string interrupt_message,
                           std::string timeout_message)
    : interrupt_message_(std::move(interrupt_message)), timeout_message_(std::move(timeout_message)) {
  thread_ = std::thread([this, limit] { watch(limit); });
}

JoinWatchdog::~JoinWatchdog() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  stopped_.notify_all();
  thread_.join();
}

void JoinWatchdog::watch(std::chrono::milliseconds limit) {
  using Clock = std::chrono::steady_clock;
  constexpr auto kPoll = std::chrono::milliseconds(100);
  constexpr auto kInterruptGrace = std::chrono::seconds(1);
  const Clock::time_point deadline = Clock::now() + limit;
  Clock::time_point interrupted_at{};
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopped_.wait_for(lock, kPoll, [this] { return stop_; })) {
    const Clock::time_point now = Clock::now();
    if (interrupt_requested()) {
      // The join may notice the signal itself (a poll that returns EINTR) and throw tlt::Interrupted,
      // which ends this watchdog; wait a moment for that before ending the process.
      if (interrupted_at == Clock::time_point{}) interrupted_at = now;
      if (now - interrupted_at >= kInterruptGrace) exit_with(interrupt_message_, 130);
    }
    if (now >= deadline) exit_with("error: " + timeout_message_, 4);
  }
}

}  // namespace tlt::dist::detail
