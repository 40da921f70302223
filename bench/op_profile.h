// Operator-level profile of a workload's timed steps through LibTorch's autograd profiler: the self time of
// every ATen operator and autograd node, summed by name.
#pragma once

#include <memory>

#include <nlohmann/json.hpp>

namespace tlt::bench {

/// Records every operator that this thread runs from construction until summarise(). The profiler adds
/// a few microseconds per operator, so the timings of a profiled run are inflated; use it to see where
/// the time goes, not to measure throughput. Throws ConfigError where this LibTorch build lacks the
/// legacy profiler API.
class OpProfile {
 public:
  OpProfile();
  ~OpProfile();
  OpProfile(const OpProfile&) = delete;
  OpProfile& operator=(const OpProfile&) = delete;

  /// Stops recording and returns the `top` operators by self time as an array of {"name", "calls",
  /// "self_ms", "total_ms"}, with times divided by `per` (for example the number of steps) and the
  /// total self time of every operator under "all_self_ms".
  nlohmann::json summarise(double per, size_t top = 30);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tlt::bench
