// A time limit on joining a process group. c10d's rendezvous calls block in the kernel and do not return
// on SIGINT or SIGTERM, and a MASTER_PORT held by a program that accepts connections but never answers
// blocks them for good, so a thread ends the process instead.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace tlt::dist::detail {

/// A thread that ends the process while a join is in progress: with exit code 130 when SIGINT or SIGTERM
/// arrives (after a second for the join to notice by itself), and with exit code 4 and `timeout_message`
/// when `limit` passes. Destroying the watchdog stops it.
class JoinWatchdog {
 public:
  JoinWatchdog(std::chrono::milliseconds limit, std::string interrupt_message, std::string timeout_message);
  ~JoinWatchdog();
  JoinWatchdog(const JoinWatchdog&) = delete;
  JoinWatchdog& operator=(const JoinWatchdog&) = delete;

 private:
  void watch(std::chrono::milliseconds limit);

  std::string interrupt_message_;
  std::string timeout_message_;
  std::mutex mutex_;
  std::condition_variable stopped_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace tlt::dist::detail
