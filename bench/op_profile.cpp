#include "op_profile.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tlt/util/error.h"

// NOTE: the legacy autograd profiler is internal LibTorch API (present in 1.13); builds without its header
// compile OpProfile as a stub that throws ConfigError.
#if __has_include(<torch/csrc/autograd/profiler_legacy.h>)
#include <torch/csrc/autograd/profiler_legacy.h>
#define TLT_BENCH_HAS_LEGACY_PROFILER 1
#else
#define TLT_BENCH_HAS_LEGACY_PROFILER 0
#endif

namespace tlt::bench {

#if TLT_BENCH_HAS_LEGACY_PROFILER

namespace profiler = torch::autograd::profiler;

struct OpProfile::State {
  std::optional<profiler::TLSLegacyProfilerGuard> guard;
  profiler::thread_event_lists events;
};

OpProfile::OpProfile() : state_(std::make_unique<State>()) {
  State* state = state_.get();
  state->guard.emplace(torch::profiler::impl::ProfilerConfig(torch::profiler::impl::ProfilerState::CPU),
                       [state](const profiler::thread_event_lists& events) { state->events = events; });
}

OpProfile::~OpProfile() = default;

nlohmann::json OpProfile::summarise(double per, size_t top) {
  state_->guard.reset();  // the guard's destructor hands the events to the callback

  // Each thread's push and pop events nest like a call stack; an operator's self time is its duration
  // minus the durations of the operators it called.
  struct Totals {
    int64_t calls = 0;
    double self_us = 0;
    double total_us = 0;
  };
  struct Open {
    std::string name;
    double start_us;
    double children_us;
  };
  std::map<std::string, Totals> totals;
  for (const auto& thread_events : state_->events) {
    std::vector<Open> stack;
    for (const auto& event : thread_events) {
      if (event.kind() == profiler::EventKind::PushRange) {
        stack.push_back({event.name(), event.cpuUs(), 0.0});
      } else if (event.kind() == profiler::EventKind::PopRange && !stack.empty()) {
        const Open open = stack.back();
        stack.pop_back();
        const double duration = event.cpuUs() - open.start_us;
        Totals& entry = totals[open.name];
        entry.calls += 1;
        entry.total_us += duration;
        entry.self_us += duration - open.children_us;
        if (!stack.empty()) stack.back().children_us += duration;
      }
    }
  }

  std::vector<std::pair<std::string, Totals>> sorted(totals.begin(), totals.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second.self_us > b.second.self_us; });
  double all_self_us = 0;
  for (const auto& item : sorted) all_self_us += item.second.self_us;
  nlohmann::json operators = nlohmann::json::array();
  for (size_t i = 0; i < std::min(top, sorted.size()); ++i) {
    const auto& [name, entry] = sorted[i];
    operators.push_back({{"name", name},
                         {"calls", static_cast<double>(entry.calls) / per},
                         {"self_ms", entry.self_us / 1000.0 / per},
                         {"total_ms", entry.total_us / 1000.0 / per}});
  }
  return {{"all_self_ms", all_self_us / 1000.0 / per}, {"operators", operators}};
}

#else

struct OpProfile::State {};

OpProfile::OpProfile() {
  throw ConfigError("--profile-ops needs LibTorch's legacy autograd profiler, which this LibTorch build lacks; use perf");
}

OpProfile::~OpProfile() = default;

nlohmann::json OpProfile::summarise(double, size_t) { return nullptr; }

#endif

}  // namespace tlt::bench
