// attention-bmm: the batched matrix products of attention at the train-small shape, through at::bmm, which
// the model's 4-D at::matmul calls. A train-small batch has about 240 sentences of about 17 target tokens
// and 4 heads of 64, so each product multiplies 960 matrices of 17 x 64 by 64 x 17.
#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>

#include "report.h"
#include "workloads.h"

namespace tlt::bench {

nlohmann::json run_attention_workload(const WorkloadSettings& settings) {
  constexpr int64_t kMatrices = 960;
  constexpr int64_t kLength = 17;
  constexpr int64_t kHeadSize = 64;
  const int64_t repeats = settings.steps > 0 ? settings.steps : 200;
  const int64_t warmup_repeats = settings.warmup_steps >= 0 ? settings.warmup_steps : 20;
  const double flops = 2.0 * kMatrices * kLength * kLength * kHeadSize;

  // Queries times transposed keys, as in the attention scores: the right operand is a transposed view.
  const at::Tensor queries = at::rand({kMatrices, kLength, kHeadSize});
  const at::Tensor keys = at::rand({kMatrices, kLength, kHeadSize});
  std::vector<double> seconds_per_call;
  for (int64_t i = 0; i < warmup_repeats + repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const at::Tensor scores = at::bmm(queries, keys.transpose(1, 2));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (i >= warmup_repeats) seconds_per_call.push_back(seconds);
  }

  const double seconds = median(seconds_per_call);
  nlohmann::json metrics = {{"flop_per_s", flops / seconds},
                            {"model_flop_per_s", flops / seconds},
                            {"best_flop_per_s", flops / *std::min_element(seconds_per_call.begin(),
                                                                          seconds_per_call.end())},
                            {"seconds_per_call", seconds}};
  nlohmann::json details = {{"matrices", kMatrices}, {"rows", kLength}, {"inner", kHeadSize},
                            {"columns", kLength}, {"repeats", repeats}, {"warmup_repeats", warmup_repeats},
                            {"mflop_per_call", flops / 1e6}};
  return {{"metrics", metrics}, {"details", details}};
}

}  // namespace tlt::bench
