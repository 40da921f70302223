// landscape-small: an 11 x 11 loss surface around the wmt16-small model, followed by forward passes alone
// to split a point's time. The loop is landscape::compute_surface, the loop of `tlt landscape`.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/InferenceMode.h>
#include <fmt/format.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>

#include "machine_info.h"
#include "model_flops.h"
#include "op_profile.h"
#include "tlt/data/batching.h"
#include "tlt/data/prepared_data.h"
#include "tlt/model/parameters.h"
#include "tlt/train/evaluation.h"
#include "tlt/util/error.h"
#include "tlt/util/torch_compat.h"
#include "workloads.h"

#include "tlt/landscape/surface.h"
#include "tlt/landscape/transformer_surface_model.h"
#include "tlt/space/direction.h"

namespace tlt::bench {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int64_t kEvaluationPairs = 256;  ///< first validation pairs in corpus order
constexpr int64_t kBatchPairs = 128;       ///< data.batch_size of configs/wmt16-small.yaml (batch_unit sentences)
constexpr int64_t kAxisPoints = 11;        ///< points per axis on [-1, 1]
constexpr int64_t kForwardRepeats = 3;     ///< forward-only passes over the evaluation set after the grid

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// The evaluation set of `tlt landscape` with its default batching for the first 256 validation pairs,
/// built here so that the benchmark can also run forward passes alone on the same batches.
std::vector<data::Batch> load_evaluation_batches(const WorkloadSettings& settings, int& vocab_size) {
  const data::DataOptions options = bench_data_options(settings, data::BatchUnit::kSentences, kBatchPairs);
  const data::PreparedData prepared = data::prepare_data(options);
  vocab_size = prepared.vocab.size();
  landscape::EvaluationSetOptions evaluation;
  evaluation.size = kEvaluationPairs;
  return landscape::make_evaluation_batches(prepared.valid, prepared.vocab, options, evaluation).batches;
}

/// Bytes of the logits and log-probabilities of the largest batch: in evaluation the loss holds both
/// [B * T, V] fp32 tensors at once, and they dwarf every other activation of the small model.
int64_t activation_estimate_bytes(const std::vector<data::Batch>& batches, int64_t vocab_size) {
  int64_t largest = 0;
  for (const data::Batch& batch : batches) largest = std::max(largest, batch.trg.size(0) * (batch.trg.size(1) - 1));
  return 2 * largest * vocab_size * static_cast<int64_t>(sizeof(float));
}

/// Time of the point loop.
struct LoopTiming {
  int64_t points = 0;
  double wall_s = 0;
  double evaluate_s_per_point = 0;     ///< train::evaluate: forward passes and loss
  double set_weights_s_per_point = 0;  ///< writing base + a * x + b * y into the parameters
  std::string implementation;          ///< which loop ran
  int64_t minor_faults = 0;            ///< page faults during the loop
  double cpu_s = 0;                    ///< CPU time of the process during the loop
  nlohmann::json op_profile;           ///< operator profile per point, or null
};

/// Page faults, CPU time and, on request, an operator profile of the point loop.
class LoopProbe {
 public:
  explicit LoopProbe(bool profile_ops) {
    if (profile_ops) profile_.emplace();
  }

  /// Stores the measurements since construction in `timing`, whose point count must be set.
  void finish(LoopTiming& timing) {
    timing.minor_faults = minor_page_faults() - faults_start_;
    timing.cpu_s = process_cpu_s() - cpu_start_s_;
    if (profile_) timing.op_profile = profile_->summarise(static_cast<double>(std::max<int64_t>(timing.points, 1)));
  }

 private:
  int64_t faults_start_ = minor_page_faults();
  double cpu_start_s_ = process_cpu_s();
  std::optional<OpProfile> profile_;
};


/// The loop of `tlt landscape`: landscape::compute_surface with space::random_direction, writing its CSV
/// to a scratch folder that is removed afterwards.
LoopTiming run_surface_loop(model::Transformer& transformer, const std::vector<data::Batch>& batches,
                            int64_t pad_idx, int64_t max_points, int64_t warmup_points, bool profile_ops) {
  landscape::TransformerSurfaceModel surface_model(transformer, batches, pad_idx, {{"benchmark", "landscape-small"}});
  torch::nn::Module& module = surface_model.module();

  // Directions: filter-normalised Gaussians (Li et al. 2018, section 4) around the initial weights, which
  // are copied because set_weights overwrites the module's parameters.
  const StateDict base = model::clone_state(model::module_state(module));
  space::DirectionOptions direction_options;
  direction_options.normalization = space::Normalization::kFilter;
  direction_options.seed = 1;
  const space::Direction x = space::random_direction(module, base, direction_options);
  direction_options.seed = 2;
  const space::Direction y = space::random_direction(module, base, direction_options);
  for (int64_t i = 0; i < warmup_points; ++i) surface_model.evaluate();

  const fs::path scratch = fs::temp_directory_path() / ("tlt_bench_landscape_" + std::to_string(::getpid()));
  fs::remove_all(scratch);
  landscape::SurfaceRequest request;
  request.out = scratch / "surface.csv";
  request.grid.x = {-1.0, 1.0, kAxisPoints};
  request.grid.y = landscape::AxisRange{-1.0, 1.0, kAxisPoints};
  request.description = {{"benchmark", "landscape-small"}};
  request.max_points = max_points;
  request.log_interval_s = 1e9;
  LoopProbe probe(profile_ops);
  const landscape::SurfaceResult result = landscape::compute_surface(surface_model, base, x, &y, request);
  LoopTiming timing;
  timing.points = result.computed;
  timing.wall_s = result.wall_s;
  timing.evaluate_s_per_point = result.evaluate_s_per_point;
  timing.set_weights_s_per_point = result.set_weights_s_per_point;
  timing.implementation = "landscape::compute_surface";
  probe.finish(timing);
  fs::remove_all(scratch);
  return timing;
}


}  // namespace

nlohmann::json run_landscape_workload(const WorkloadSettings& settings) {
  const int64_t baseline_rss = current_rss_bytes();
  const int64_t warmup_points = settings.warmup_steps >= 0 ? settings.warmup_steps : 1;

  // Model and evaluation set: what `tlt landscape` builds for a wmt16-small run, with random weights.
  int vocab_size = 0;
  const std::vector<data::Batch> batches = load_evaluation_batches(settings, vocab_size);
  int64_t target_tokens = 0;
  double forward_flops_per_point = 0;
  const model::TransformerOptions model_options = small_model_options();
  for (const data::Batch& batch : batches) {
    target_tokens += batch.n_target_tokens;
    forward_flops_per_point +=
        forward_flops(model_options, vocab_size, batch.src.size(0), batch.src.size(1), batch.trg.size(1) - 1);
  }
  compat::manual_seed(1);
  model::Transformer transformer(model_options, vocab_size);

  // The grid.
  const LoopTiming result = run_surface_loop(transformer, batches, model_options.pad_idx, settings.steps, warmup_points,
                                             settings.profile_ops);
  if (result.points == 0) throw ConfigError("the landscape benchmark computed no point; check --steps");

  // Forward passes alone on the same batches, to separate them from the loss and the rest of a point.
  double forward_s = 0;
  {
    c10::InferenceMode inference;
    transformer->eval();
    for (int64_t repeat = 0; repeat < kForwardRepeats; ++repeat) {
      const auto start = Clock::now();
      for (const data::Batch& batch : batches) {
        transformer->forward(batch.src, batch.trg.narrow(1, 0, batch.trg.size(1) - 1));
      }
      forward_s += seconds_since(start);
    }
    forward_s /= static_cast<double>(kForwardRepeats);
  }

  const double points = static_cast<double>(result.points);
  const double point_s = result.wall_s / points;
  const int64_t parameter_bytes = model::count_parameters(*transformer) * static_cast<int64_t>(sizeof(float));
  nlohmann::json metrics = {
      {"points_per_s", points / result.wall_s},
      {"point_s", point_s},
      {"evaluate_s_per_point", result.evaluate_s_per_point},
      {"set_weights_s_per_point", result.set_weights_s_per_point},
      {"forward_s_per_point", forward_s},
      {"outside_forward_s_per_point", point_s - forward_s},
      {"model_flop_per_s", forward_flops_per_point * points / result.wall_s},
      {"minor_faults_per_point", static_cast<double>(result.minor_faults) / points},
      {"busy_cores", result.cpu_s / result.wall_s},
  };
  nlohmann::json details = {
      {"loop", result.implementation},
      {"grid", fmt::format("{0} x {0} on [-1, 1]^2", kAxisPoints)},
      {"points", result.points},
      {"warmup_points", warmup_points},
      {"pairs", kEvaluationPairs},
      {"batches", batches.size()},
      {"batch_tokens", landscape::kDefaultEvalBatchTokens},
      {"target_tokens_per_point", target_tokens},
      {"model_gflop_per_point", forward_flops_per_point / 1e9},
      {"parameters", model::count_parameters(*transformer)},
      {"op_profile_per_point", result.op_profile},
      {"memory",
       {{"max_rss_bytes", max_rss_bytes()},
        {"rss_at_start_bytes", baseline_rss},
        {"parameter_bytes", parameter_bytes},
        {"four_parameter_bytes", 4 * parameter_bytes},
        {"activation_estimate_bytes", activation_estimate_bytes(batches, vocab_size)},
        {"note", "4 x parameters: the module, the base copy and the x and y directions; activations: logits and "
                 "log-probabilities of the largest batch; rss_at_start: the process before loading data"}}},
  };
  return {{"metrics", metrics}, {"details", details}};
}

}  // namespace tlt::bench
