#include "tlt/train/run_folder.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <cstdio>

#include "tlt/model/parameters.h"
#include "tlt/util/error.h"
#include "tlt/util/file_io.h"
#include "tlt/util/logging.h"
#include "tlt/util/run_info.h"
#include "tlt/util/state_dict.h"

namespace tlt::train {

namespace fs = std::filesystem;

namespace {

constexpr int kStateFormatVersion = 1;
const char* const kStateFile = "train_state.pt";

at::Tensor json_to_tensor(const nlohmann::json& value) {
  const std::string text = value.dump();
  return at::tensor(at::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()), at::kByte);
}

nlohmann::json tensor_to_json(const at::Tensor& tensor, const std::string& what) {
  const at::Tensor bytes = tensor.to(at::kByte).contiguous();
  const std::string text(reinterpret_cast<const char*>(bytes.data_ptr<uint8_t>()), static_cast<size_t>(bytes.numel()));
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw CheckpointError(what + " has unreadable progress data (" + e.what() + "); the file is damaged");
  }
}

double number_or_nan(const nlohmann::json& value) {
  return value.is_number() ? value.get<double>() : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

RunFolder::RunFolder(fs::path path) : path_(std::move(path)) {}

void RunFolder::require_fresh() const {
  if (fs::exists(path_ / kStateFile) || fs::exists(path_ / "init.pt")) {
    throw ConfigError("run folder '" + path_.string() + "' already contains a run; continue it with 'tlt train --resume " +
                      path_.string() + "' or choose another --out");
  }
}

void RunFolder::require_resumable() const {
  if (!fs::exists(path_ / kStateFile)) {
    throw ConfigError("cannot resume '" + path_.string() + "': it has no " + kStateFile +
                      " (no epoch was completed); start it again with 'tlt train --config FILE --out " +
                      path_.string() + "' after removing the folder");
  }
}

void RunFolder::open_log() const {
  std::error_code error;
  fs::create_directories(path_, error);
  if (error) throw DataError("cannot create run folder '" + path_.string() + "': " + error.message());
  add_log_file((path_ / "train.log").string());
}

void RunFolder::write_config(const std::string& yaml) const { write_file_atomic(path_ / "config.yaml", yaml); }

void RunFolder::write_run_json(int64_t seed, const std::string& device, int ranks,
                               double baseline_accuracy) const {
  nlohmann::json info = describe_environment();
  info["seed"] = seed;
  info["device"] = device;
  info["ranks"] = ranks;
  info["valid_most_frequent_token_accuracy"] = baseline_accuracy;
  write_file_atomic(path_ / "run.json", info.dump(2) + "\n");
}

fs::path RunFolder::epoch_checkpoint(int64_t epoch) const {
  char name[32];
  std::snprintf(name, sizeof(name), "epoch_%03lld.pt", static_cast<long long>(epoch));
  return path_ / name;
}

fs::path RunFolder::step_checkpoint(int64_t step) const {
  char name[32];
  std::snprintf(name, sizeof(name), "step_%06lld.pt", static_cast<long long>(step));
  return path_ / name;
}

void RunFolder::save_progress(const TrainProgress& progress, const optim::Optimizer& optimizer,
                              const LrSchedule& schedule, const model::Transformer& model) const {
  nlohmann::json json = {
      {"format_version", kStateFormatVersion},
      {"epoch", progress.epoch},
      {"step", progress.step},
      {"best_epoch", progress.best_epoch},
      {"best_metric", progress.best_metric},
      {"best_valid_loss", progress.best_valid_loss},
      {"best_valid_accuracy", progress.best_valid_accuracy},
      {"schedule", schedule.state()},
  };
  StateDict state;
  for (const auto& [name, tensor] : model::module_state(*model)) state["model." + name] = tensor;
  for (const auto& [name, tensor] : optimizer.state_dict()) state["optimizer." + name] = tensor;
  state["progress_json"] = json_to_tensor(json);
  save_state_dict(state, path_ / kStateFile);
  write_file_atomic(path_ / "train_state.json", json.dump(2) + "\n");
}

TrainProgress RunFolder::load_progress(model::Transformer& model, optim::Optimizer& optimizer,
                                       LrSchedule& schedule) const {
  const fs::path file = path_ / kStateFile;
  const StateDict state = load_state_dict(file);
  const std::string what = "training state '" + file.string() + "'";
  auto json_entry = state.find("progress_json");
  if (json_entry == state.end()) throw CheckpointError(what + " lacks progress_json; it was not written by tlt train");
  const nlohmann::json json = tensor_to_json(json_entry->second, what);
  if (json.value("format_version", 0) != kStateFormatVersion) {
    throw CheckpointError(what + " has format version " + std::to_string(json.value("format_version", 0)) +
                          ", this tlt reads version " + std::to_string(kStateFormatVersion));
  }

  StateDict weights;
  StateDict optimizer_state;
  for (const auto& [name, tensor] : state) {
    if (name.rfind("model.", 0) == 0) weights[name.substr(6)] = tensor;
    if (name.rfind("optimizer.", 0) == 0) optimizer_state[name.substr(10)] = tensor;
  }
  load_module_state(*model, weights, what);
  optimizer.load_state_dict(optimizer_state);
  schedule.load_state(json.at("schedule"));

  TrainProgress progress;
  progress.epoch = json.at("epoch").get<int64_t>();
  progress.step = json.at("step").get<int64_t>();
  progress.best_epoch = json.at("best_epoch").get<int64_t>();
  progress.best_metric = number_or_nan(json.at("best_metric"));
  progress.best_valid_loss = number_or_nan(json.at("best_valid_loss"));
  progress.best_valid_accuracy = number_or_nan(json.at("best_valid_accuracy"));
  return progress;
}

}  // namespace tlt::train
