#include "prune/prune_test_support.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "support/test_support.h"
#include "tlt/train/trainer.h"
#include "tlt/util/torch_compat.h"

namespace tlt::prune::testing {

model::Transformer small_transformer(uint64_t seed) {
  model::TransformerOptions options;
  options.d_model = 8;
  options.d_inner = 16;
  options.n_layers = 1;
  options.n_head = 2;
  options.d_k = 4;
  options.d_v = 4;
  options.n_position = 12;
  compat::manual_seed(seed);
  return model::Transformer(options, 20);
}

train::RunConfig tiny_config(std::vector<std::string> overrides) {
  overrides.insert(overrides.begin(), {"data.dir=" + tlt::testing::multi30k_dir().string(),
                                       "data.cache_dir=" + (fs::current_path() / "cache").string()});
  return train::load_run_config((tlt::testing::source_dir() / "configs" / "tiny.yaml").string(), overrides);
}

const fs::path& tiny_base_run() {
  static const fs::path run = [] {
    // One folder per process: CTest runs each test in its own process, several at a time.
    const fs::path dir = fs::current_path() / "tmp" / ("prune_tiny_base_run." + std::to_string(::getpid()));
    fs::remove_all(dir);
    std::atexit([] {
      std::error_code ignored;
      fs::remove_all(fs::current_path() / "tmp" / ("prune_tiny_base_run." + std::to_string(::getpid())), ignored);
    });
    train::TrainSession session;
    session.run_dir = dir.string();
    train::run_training(tiny_config({"train.epochs=2", "train.max_steps_per_epoch=3", "train.save_steps=2,4"}),
                        session);
    return dir;
  }();
  return run;
}

int64_t count_zeros(const at::Tensor& tensor) { return tensor.eq(0).sum().item<int64_t>(); }

::testing::AssertionResult pruned_entries_are_zero(const StateDict& state, const StateDict& mask) {
  for (const auto& [name, values] : mask) {
    auto found = state.find(name);
    if (found == state.end()) return ::testing::AssertionFailure() << "no entry '" << name << "'";
    const at::Tensor revived = found->second.masked_select(values.eq(0)).ne(0);
    if (revived.any().item<bool>()) {
      return ::testing::AssertionFailure() << revived.sum().item<int64_t>() << " pruned entries of '" << name
                                           << "' are not 0";
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace tlt::prune::testing
