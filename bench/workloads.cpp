#include "workloads.h"

#include <algorithm>

#include "tlt/util/error.h"

namespace tlt::bench {

const std::vector<std::string>& workload_names() {
  static const std::vector<std::string> names = {"train-small", "train-paper", "landscape-small", "attention-bmm", "peak"};
  return names;
}

model::TransformerOptions small_model_options() {
  model::TransformerOptions options;
  options.d_model = 256;
  options.d_inner = 1024;
  options.n_layers = 3;
  options.n_head = 4;
  options.d_k = 64;
  options.d_v = 64;
  options.dropout = 0.1;
  options.share_embeddings = true;
  options.share_projection = true;
  return options;
}

model::TransformerOptions paper_model_options() {
  model::TransformerOptions options = small_model_options();
  options.d_model = 512;
  options.d_inner = 2048;
  options.n_layers = 6;
  options.n_head = 8;
  return options;
}

data::DataOptions bench_data_options(const WorkloadSettings& settings, data::BatchUnit unit, int64_t batch_size) {
  data::DataOptions options;
  options.dir = settings.data_dir;
  options.cache_dir = settings.cache_dir;
  options.vocab_size = 8000;
  options.max_len = 100;
  options.batch_unit = unit;
  options.batch_size = batch_size;
  return options;
}

void check_workload_name(const std::string& name) {
  const std::vector<std::string>& names = workload_names();
  if (std::find(names.begin(), names.end(), name) != names.end()) return;
  std::string valid;
  for (const std::string& known : names) valid += (valid.empty() ? "" : ", ") + known;
  throw ConfigError("unknown workload '" + name + "'; valid workloads: " + valid);
}

nlohmann::json run_workload(const std::string& name, const WorkloadSettings& settings) {
  check_workload_name(name);
  // Paper-sized steps take several seconds each on two cores, so that workload times fewer of them.
  if (name == "train-small") return run_train_workload(small_model_options(), settings, 20, 3);
  if (name == "train-paper") return run_train_workload(paper_model_options(), settings, 5, 2);
  if (name == "landscape-small") return run_landscape_workload(settings);
  if (name == "attention-bmm") return run_attention_workload(settings);
  return run_peak_workload(settings);
}

}  // namespace tlt::bench
