#include "tlt/prune/retrain_init.h"

#include <cstdio>

#include "tlt/model/parameters.h"
#include "tlt/model/transformer.h"
#include "tlt/space/direction.h"
#include "tlt/util/error.h"
#include "tlt/util/torch_compat.h"

namespace tlt::prune {

namespace fs = std::filesystem;

fs::path recorded_init_path(const fs::path& run_dir) {
  const fs::path path = run_dir / "init.pt";
  if (!fs::exists(path)) {
    throw CheckpointError("the run '" + run_dir.string() + "' has no recorded init " + path.string() +
                          " (tlt train writes it before the first step); check --from, or retrain from "
                          "another init with --init random");
  }
  return path;
}

fs::path rewind_checkpoint_path(const fs::path& run_dir, const RewindPoint& point) {
  char name[32];
  const bool is_epoch = point.unit == RewindPoint::Unit::kEpoch;
  std::snprintf(name, sizeof(name), is_epoch ? "epoch_%03lld.pt" : "step_%06lld.pt",
                static_cast<long long>(point.index));
  const fs::path path = run_dir / name;
  if (!fs::exists(path)) {
    const std::string unit = is_epoch ? "epoch" : "step";
    throw CheckpointError(
        "no checkpoint for --rewind-to " + unit + ":" + std::to_string(point.index) + ": " + path.string() +
        " not found. " +
        (is_epoch ? std::string("A run keeps every epoch only with train.save: all; pick an epoch the run completed")
                  : "A run saves step checkpoints only for the steps in train.save_steps, for example --set "
                    "train.save_steps=100,500 when training the base run") +
        ", or rewind to the recorded init with --init rewind");
  }
  return path;
}

StateDict random_init(const model::TransformerOptions& options, int64_t vocab_size, uint64_t seed) {
  compat::manual_seed(seed);
  model::Transformer fresh(options, vocab_size);
  return model::clone_state(model::module_state(*fresh));
}

StateDict perturbed_init(const torch::nn::Module& module, const StateDict& w0, const StateDict& trained,
                         const InitOptions& options, const StateDict& mask) {
  const space::Direction x = space::target_direction(module, w0, trained, mask);
  const space::Direction y = space::random_direction(module, w0, direction_options(options), mask);
  return space::combine(module, w0, {&x, &y}, {options.alpha, options.beta});
}

}  // namespace tlt::prune
