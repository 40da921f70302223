// The workloads of tlt_bench. Each one runs inside a child process (see child_process.h) and returns its
// measurements as JSON, so that environment variables read at start-up (OMP_WAIT_POLICY, GLIBC_TUNABLES,
// OPENBLAS_NUM_THREADS) can differ between runs and ru_maxrss covers one workload only.
//
//   train-small      training steps of the wmt16-small shape (D 256, F 1024, 3 + 3 layers, 4 heads) with
//                    Adam, dropout 0.1 and label smoothing 0.1 on Multi30k batches of at most 4,096 padded
//                    target tokens
//   train-paper      the same at the wmt16 shape (D 512, F 2048, 6 + 6 layers, 8 heads)
//   landscape-small  an 11 x 11 loss surface on [-1, 1]^2 with filter-normalised random directions around
//                    the randomly initialised wmt16-small model, 256 validation pairs per point
//   attention-bmm    the batched products of attention at the train-small shape (960 matrices of 17 x 64
//                    times 64 x 17) through at::bmm
//   peak             fp32 2048 x 2048 x 2048 matrix products: the machine's practical limit for MFU
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tlt/data/data_options.h"
#include "tlt/model/transformer_options.h"

namespace tlt::bench {

/// Settings of one workload run, passed from the parent process to its child on the command line.
struct WorkloadSettings {
  std::string data_dir = "data/multi30k";  ///< folder with Multi30k's SPLIT.LANG.gz files
  std::string cache_dir = "runs/cache";    ///< cache of the SentencePiece model and the encoded corpus
  int64_t steps = 0;                       ///< timed steps, points or products; 0 = the workload's default
  int64_t warmup_steps = -1;               ///< untimed steps before them; -1 = the workload's default
  bool profile_ops = false;                ///< add an operator profile of the timed part (inflates its times)
};

/// Names of every workload, in the order tlt_bench runs them.
const std::vector<std::string>& workload_names();

/// Throws ConfigError naming every valid workload unless `name` is one of workload_names().
void check_workload_name(const std::string& name);

/// Runs workload `name` in this process. Returns {"metrics": {...}, "details": {...}}: metrics holds the
/// numbers that the parent takes medians of, details the shapes and counts behind them. Throws
/// ConfigError for an unknown name and the errors of data::prepare_data.
nlohmann::json run_workload(const std::string& name, const WorkloadSettings& settings);

/// The wmt16-small model (configs/wmt16-small.yaml): D 256, F 1024, 3 + 3 layers, 4 heads of 64, dropout
/// 0.1, shared embeddings and projection.
model::TransformerOptions small_model_options();

/// The wmt16 model (configs/wmt16.yaml): D 512, F 2048, 6 + 6 layers, 8 heads of 64, dropout 0.1.
model::TransformerOptions paper_model_options();

/// The data settings of both configs (vocabulary 8000, max_len 100) with the given folders and batching.
data::DataOptions bench_data_options(const WorkloadSettings& settings, data::BatchUnit unit, int64_t batch_size);

/// Training throughput of `model_options` over Multi30k batches of at most 4,096 padded target tokens.
nlohmann::json run_train_workload(const model::TransformerOptions& model_options, const WorkloadSettings& settings,
                                  int64_t default_steps, int64_t default_warmup_steps);

/// The landscape-small loop: points per second and where a point's time goes.
nlohmann::json run_landscape_workload(const WorkloadSettings& settings);

/// GFLOP/s and time per call of at::bmm at the attention shape of train-small.
nlohmann::json run_attention_workload(const WorkloadSettings& settings);

/// GFLOP/s of fp32 2048 x 2048 x 2048 matrix products on the current thread settings.
nlohmann::json run_peak_workload(const WorkloadSettings& settings);

}  // namespace tlt::bench
