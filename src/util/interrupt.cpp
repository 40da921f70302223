#include "tlt/util/interrupt.h"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <string>

#include "tlt/util/error.h"

namespace tlt {

namespace {

std::atomic<int> signal_count{0};

extern "C" void on_signal(int signal_number) {
  if (signal_count.fetch_add(1) >= 1) std::_Exit(128 + signal_number);
}

}  // namespace

void install_interrupt_handlers() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

bool interrupt_requested() { return signal_count.load() > 0; }

void throw_if_interrupted(const char* where) {
  if (interrupt_requested()) {
    throw Interrupted(std::string("interrupted during ") + where +
                      "; rerun the same command (or 'tlt train --resume RUN') to continue");
  }
}

}  // namespace tlt
