// Progress reporting for long loops: a redrawn bar with ETA on a terminal, and throttled plain log lines
// (one every `log_interval_s` seconds) when stderr is not a terminal.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace tlt {

/// Formats seconds as "4m10s", "1h02m" or "12s".
std::string format_duration(double seconds);

/// Formats a rate with a k/M suffix: 12345.0 -> "12.3k".
std::string format_rate(double per_second);

class Progress {
 public:
  /// `component` is the log prefix ("train"), `label` the unit of work ("step"), `total` the count.
  Progress(std::string component, std::string label, int64_t total, double log_interval_s = 30.0);

  /// Reports that `done` units are complete; `fields` is extra text such as "loss 3.412 | lr 4.0e-04".
  /// Output is throttled, so calling it every step costs nothing noticeable.
  void update(int64_t done, const std::string& fields = "");

  /// Ends the bar line on a terminal.
  void finish();

  /// Seconds since construction.
  double elapsed_s() const;

 private:
  std::string component_;
  std::string label_;
  int64_t total_;
  double log_interval_s_;
  bool is_terminal_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_output_;
  bool drew_bar_ = false;
};

}  // namespace tlt
