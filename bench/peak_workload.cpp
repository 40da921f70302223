// peak: fp32 2048 x 2048 x 2048 matrix products through at::mm, the practical limit of this machine for
// the matrix products that dominate a Transformer.
#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>

#include "report.h"
#include "workloads.h"

namespace tlt::bench {

nlohmann::json run_peak_workload(const WorkloadSettings& settings) {
  constexpr int64_t kSize = 2048;
  const int64_t repeats = settings.steps > 0 ? settings.steps : 10;
  const int64_t warmup_repeats = settings.warmup_steps >= 0 ? settings.warmup_steps : 2;
  const double flops = 2.0 * static_cast<double>(kSize) * static_cast<double>(kSize) * static_cast<double>(kSize);

  const at::Tensor left = at::rand({kSize, kSize});
  const at::Tensor right = at::rand({kSize, kSize});
  at::Tensor product = at::empty({kSize, kSize});
  std::vector<double> rates;
  for (int64_t i = 0; i < warmup_repeats + repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    at::mm_out(product, left, right);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (i >= warmup_repeats) rates.push_back(flops / seconds);
  }

  // The median is the rate a long computation can count on; the best shows the machine without
  // interference from other processes.
  nlohmann::json metrics = {{"flop_per_s", median(rates)},
                            {"best_flop_per_s", *std::max_element(rates.begin(), rates.end())}};
  nlohmann::json details = {{"size", kSize}, {"repeats", repeats}, {"warmup_repeats", warmup_repeats},
                            {"gflop_per_product", flops / 1e9}};
  return {{"metrics", metrics}, {"details", details}};
}

}  // namespace tlt::bench
