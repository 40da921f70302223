#include "tlt/util/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

#include "tlt/util/logging.h"

namespace tlt {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto total = static_cast<int64_t>(seconds + 0.5);
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof(text), "%lldh%02lldm", static_cast<long long>(total / 3600),
                  static_cast<long long>(total % 3600 / 60));
  } else if (total >= 60) {
    std::snprintf(text, sizeof(text), "%lldm%02llds", static_cast<long long>(total / 60),
                  static_cast<long long>(total % 60));
  } else {
    std::snprintf(text, sizeof(text), "%llds", static_cast<long long>(total));
  }
  return text;
}

std::string format_rate(double per_second) {
  char text[32];
  if (per_second >= 1e6) {
    std::snprintf(text, sizeof(text), "%.1fM", per_second / 1e6);
  } else if (per_second >= 1e3) {
    std::snprintf(text, sizeof(text), "%.1fk", per_second / 1e3);
  } else {
    std::snprintf(text, sizeof(text), "%.2f", per_second);
  }
  return text;
}

Progress::Progress(std::string component, std::string label, int64_t total, double log_interval_s)
    : component_(std::move(component)),
      label_(std::move(label)),
      total_(total),
      log_interval_s_(log_interval_s),
      is_terminal_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_output_(start_) {}

double Progress::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::update(int64_t done, const std::string& fields) {
  const auto now = std::chrono::steady_clock::now();
  const double since_output = std::chrono::duration<double>(now - last_output_).count();
  const bool finished = done >= total_;
  const double interval = is_terminal_ ? 0.25 : log_interval_s_;
  if (since_output < interval && !(finished && is_terminal_)) return;
  last_output_ = now;

  const double elapsed = elapsed_s();
  const double eta = done > 0 ? elapsed * static_cast<double>(total_ - done) / static_cast<double>(done) : NAN;
  std::string line = "[" + component_ + "] " + label_ + " " + std::to_string(done) + "/" + std::to_string(total_);
  if (!fields.empty()) line += " | " + fields;
  line += " | ETA " + format_duration(eta);
  if (is_terminal_) {
    const int width = 20;
    const int filled = total_ > 0 ? static_cast<int>(width * done / total_) : width;
    std::string bar = "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] ";
    std::fprintf(stderr, "\r\033[K%s%s", bar.c_str(), line.c_str());
    std::fflush(stderr);
    drew_bar_ = true;
  } else {
    spdlog::info("{}", line);
  }
}

void Progress::finish() {
  if (is_terminal_ && drew_bar_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
}

}  // namespace tlt
