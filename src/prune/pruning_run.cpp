#include "tlt/prune/pruning_run.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <limits>

#include "output_folder.h"
#include "tlt/config/schema.h"
#include "tlt/model/parameters.h"
#include "tlt/model/transformer.h"
#include "tlt/prune/magnitude_pruning.h"
#include "tlt/prune/pruning_mask.h"
#include "tlt/prune/retrain_init.h"
#include "tlt/train/run_config.h"
#include "tlt/util/error.h"
#include "tlt/util/file_io.h"
#include "tlt/util/logging.h"
#include "tlt/util/run_info.h"
#include "tlt/util/state_dict.h"

namespace tlt::prune {

namespace fs = std::filesystem;

namespace {

constexpr int kRecordFormatVersion = 1;
const char* const kRecordFile = "prune.json";
const char* const kRetrainRecordFile = "retrain.json";

const OwnNames& own_names() {
  static const OwnNames names{
      {"init.pt", "mask.pt", "sparsity.csv", "config.yaml", kRecordFile, "train", kRetrainRecordFile}, {}};
  return names;
}

/// The key of a "key=value" override.
std::string override_key(const std::string& assignment) { return assignment.substr(0, assignment.find('=')); }

std::string canonical_or_empty(const std::string& path) {
  return path.empty() ? std::string() : fs::weakly_canonical(path).string();
}



train::RunConfig load_source_config(const fs::path& run_dir) {
  const fs::path path = run_dir / "config.yaml";
  if (!fs::exists(path)) {
    throw ConfigError("'" + run_dir.string() + "' is not a tlt train run folder: " + path.string() +
                      " not found; pass the folder that 'tlt train --out' wrote");
  }
  return train::load_run_config(path.string(), {});
}

fs::path resolve_checkpoint(const fs::path& run_dir, const std::string& checkpoint) {
  const fs::path path = fs::path(checkpoint).is_absolute() ? fs::path(checkpoint) : run_dir / checkpoint;
  if (!fs::exists(path)) {
    throw CheckpointError("checkpoint '" + path.string() +
                          "' not found; a run writes best.pt and last.pt after its first epoch, so pass "
                          "--checkpoint with one of its files (last.pt, epoch_NNN.pt) or finish the run first");
  }
  return path;
}

int64_t vocab_size_of(const StateDict& weights, const std::string& what) {
  auto found = weights.find("decoder.trg_word_emb.weight");
  if (found == weights.end() || found->second.dim() != 2) {
    throw CheckpointError(what + " has no 2-D 'decoder.trg_word_emb.weight', so it is not a checkpoint of tlt's "
                          "Transformer; pass a file that tlt train wrote");
  }
  return found->second.size(0);
}

/// The init before masking, and a description of where it came from for the log and prune.json.
struct InitState {
  StateDict weights;
  std::string source;
  int64_t seed = -1;  ///< the seed a random init used; -1 for the other modes
};

InitState make_init(const PruneRequest& request, const fs::path& init_run, const torch::nn::Module& module,
                    const model::TransformerOptions& model_options, int64_t vocab_size, int64_t source_seed,
                    const StateDict& trained, const StateDict& mask) {
  const InitOptions& options = request.init;
  InitState init;
  switch (options.mode) {
    case InitMode::kRewind: {
      const fs::path path = recorded_init_path(init_run);
      init.weights = load_state_dict(path);
      init.source = path.string();
      break;
    }
    case InitMode::kCheckpoint: {
      const fs::path path = rewind_checkpoint_path(init_run, parse_rewind_point(options.rewind_to));
      init.weights = load_state_dict(path);
      init.source = path.string();
      break;
    }
    case InitMode::kRandom: {
      init.seed = options.seed >= 0 ? options.seed : source_seed + 1;
      init.weights = random_init(model_options, vocab_size, static_cast<uint64_t>(init.seed));
      init.source = "random init with seed " + std::to_string(init.seed);
      break;
    }
    case InitMode::kPerturbed: {
      const fs::path path = recorded_init_path(init_run);
      const StateDict w0 = load_state_dict(path);
      check_state_dict_matches(w0, model::module_state(module), "recorded init '" + path.string() + "'");
      init.weights = perturbed_init(module, w0, trained, options, mask);
      init.source = fmt::format("{} + {} * (w* - w0) + {} * y ({}-normalised, direction seed {})", path.string(),
                                options.alpha, options.beta, space::normalization_name(options.normalization),
                                options.direction_seed);
      break;
    }
  }
  check_state_dict_matches(init.weights, model::module_state(module), "init '" + init.source + "'");
  return init;
}

/// The contents of prune.json: the request, the files it used, the counts and the versions.
nlohmann::json make_record(const nlohmann::json& request_json, const fs::path& checkpoint,
                           const std::string& existing_mask, const InitState& init, size_t masked_tensors,
                           const TensorSparsity& total, int64_t parameters) {
  return {
      {"format_version", kRecordFormatVersion},
      {"request", request_json},
      {"checkpoint", checkpoint.string()},
      {"checkpoint_fnv1a64", to_hex(fnv1a_64(read_file(checkpoint)))},
      {"existing_mask", existing_mask},
      {"init_source", init.source},
      {"init_seed", init.seed >= 0 ? nlohmann::json(init.seed) : nlohmann::json()},
      {"masked_tensors", masked_tensors},
      {"masked_weights", total.numel},
      {"pruned_weights", total.pruned},
      {"sparsity", total.sparsity()},
      {"parameters", parameters},
      {"sparsity_of_all_parameters", static_cast<double>(total.pruned) / static_cast<double>(parameters)},
      {"tlt_version", tlt_version()},
      {"environment", describe_environment()},
  };
}

/// Everything a pruning writes, computed before the first file is written.
struct PruningResult {
  StateDict mask;
  StateDict init;
  std::string sparsity_csv;
  std::string retrain_yaml;
  nlohmann::json record;
  TensorSparsity total;
};

PruningResult compute_pruning(const PruneRequest& request, const nlohmann::json& request_json) {
  const fs::path source(request.source_run);
  const fs::path out(request.out);
  PruningResult result;

  // The source run: its config, the checkpoint to prune, and a model loaded with it.
  const train::RunConfig source_config = load_source_config(source);
  const fs::path checkpoint = resolve_checkpoint(source, request.checkpoint);
  const std::string checkpoint_what = "checkpoint '" + checkpoint.string() + "'";
  const StateDict weights = load_state_dict(checkpoint);
  const int64_t vocab_size = vocab_size_of(weights, checkpoint_what);
  model::Transformer model(source_config.model, vocab_size);
  model::load_module_state(*model, weights, checkpoint_what);

  // The mask: weights pruned before, then one magnitude pruning step.
  const std::string existing_path = request.mask.empty() ? source_config.train.mask : request.mask;
  StateDict existing;
  if (!existing_path.empty()) {
    existing = normalize_mask(*model, load_state_dict(existing_path), "mask '" + existing_path + "'");
  }
  result.mask = compute_magnitude_mask(*model, weights, existing, request.prune);
  const std::vector<TensorSparsity> rows = measure_sparsity(*model, result.mask);
  result.total = total_sparsity(rows);
  result.sparsity_csv = format_sparsity_csv(rows);

  // The init for retraining, with the mask applied.
  const fs::path init_run = request.init_run.empty() ? source : fs::path(request.init_run);
  const InitState init = make_init(request, init_run, *model, source_config.model, vocab_size,
                                   source_config.train.seed, weights, result.mask);
  result.init = apply_mask(init.weights, result.mask);

  // The retraining config: the source run's, starting from the files above.
  std::vector<std::string> overrides = {"train.init_from=" + (out / "init.pt").string(),
                                        "train.mask=" + (out / "mask.pt").string()};
  overrides.insert(overrides.end(), request.overrides.begin(), request.overrides.end());
  train::RunConfig retrain_config = train::load_run_config((source / "config.yaml").string(), overrides);
  result.retrain_yaml = "# Retraining config written by tlt prune from " + (source / "config.yaml").string() +
                        ". Train with\n#   tlt train --config " + (out / "config.yaml").string() + " --out " +
                        (out / "train").string() + "\n# or pass --retrain to tlt prune.\n" +
                        train::to_yaml(retrain_config);

  result.record = make_record(request_json, checkpoint, existing_path, init, rows.size(), result.total,
                              model::count_parameters(*model));
  spdlog::info("[prune] {}: {} of {} weights in {} tensors pruned ({:.2f}%, {} scope, rate {}); {:.2f}% of all {} "
               "parameters",
               checkpoint.string(), result.total.pruned, result.total.numel, rows.size(),
               100.0 * result.total.sparsity(), to_string(request.prune.scope), request.prune.rate,
               100.0 * result.record.at("sparsity_of_all_parameters").get<double>(),
               result.record.at("parameters").get<int64_t>());
  spdlog::info("[prune] init: {}", init.source);
  return result;
}

void write_outputs(const fs::path& out, const PruningResult& result) {
  save_state_dict(result.init, out / "init.pt");
  save_state_dict(result.mask, out / "mask.pt");
  write_file_atomic(out / "sparsity.csv", result.sparsity_csv);
  write_file_atomic(out / "config.yaml", result.retrain_yaml);
  // prune.json goes last: a folder with it contains a complete pruning.
  write_file_atomic(out / kRecordFile, result.record.dump(2) + "\n");
  spdlog::info("[prune] wrote {}; retrain with: tlt train --config {} --out {}", out.string(),
               (out / "config.yaml").string(), (out / "train").string());
}

double number_or_nan(const nlohmann::json& value) {
  return value.is_number() ? value.get<double>() : std::numeric_limits<double>::quiet_NaN();
}

train::TrainSummary read_retrain_record(const fs::path& path) {
  const nlohmann::json record = read_json_file(path);
  train::TrainSummary summary;
  summary.epochs_done = record.value("epochs_done", int64_t{0});
  summary.best_epoch = record.value("best_epoch", int64_t{0});
  summary.best_valid_loss = number_or_nan(record.value("best_valid_loss", nlohmann::json()));
  summary.best_valid_accuracy = number_or_nan(record.value("best_valid_accuracy", nlohmann::json()));
  return summary;
}

/// Trains OUT/config.yaml into OUT/train: resumes an interrupted retraining, and skips a finished one.
train::TrainSummary retrain(const fs::path& out, const std::string& device) {
  const fs::path record = out / kRetrainRecordFile;
  if (fs::exists(record)) {
    spdlog::info("[prune] {} is already retrained ({}); keeping it", out.string(), record.string());
    return read_retrain_record(record);
  }
  const train::RunConfig config = train::load_run_config((out / "config.yaml").string(), {});
  train::TrainSession session;
  session.run_dir = (out / "train").string();
  session.device = device;
  if (fs::exists(out / "train" / "train_state.pt")) {
    session.resume = true;
  } else if (fs::exists(out / "train")) {
    // An attempt that stopped before its first epoch ended has nothing to resume.
    spdlog::warn("[prune] {} contains a retraining that did not finish an epoch; starting it again",
                 session.run_dir);
    fs::remove_all(out / "train");
  }

  const train::TrainSummary summary = train::run_training(config, session);
  const nlohmann::json json = {
      {"epochs_done", summary.epochs_done},
      {"best_epoch", summary.best_epoch},
      {"best_valid_loss", summary.best_valid_loss},
      {"best_valid_accuracy", summary.best_valid_accuracy},
      {"run", session.run_dir},
  };
  write_file_atomic(record, json.dump(2) + "\n");
  return summary;
}

}  // namespace

nlohmann::json request_record(const PruneRequest& request) {
  const InitOptions& init = request.init;
  return {
      {"source_run", canonical_or_empty(request.source_run)},
      {"checkpoint", request.checkpoint},
      {"mask", canonical_or_empty(request.mask)},
      {"init_run", canonical_or_empty(request.init_run.empty() ? request.source_run : request.init_run)},
      {"rate", request.prune.rate},
      {"scope", to_string(request.prune.scope)},
      {"include", request.prune.include},
      {"exclude", request.prune.exclude},
      {"init", to_string(init.mode)},
      {"rewind_to", init.rewind_to},
      {"seed", init.seed},
      {"alpha", init.alpha},
      {"beta", init.beta},
      {"normalization", space::normalization_name(init.normalization)},
      {"ignore_1d", init.ignore_1d},
      {"direction_seed", init.direction_seed},
      {"overrides", request.overrides},
  };
}

std::vector<std::string> validate(const PruneRequest& request) {
  std::vector<std::string> problems = validate(request.prune);
  for (std::string& problem : validate(request.init)) problems.push_back(std::move(problem));
  if (request.source_run.empty()) {
    problems.push_back("no source run: give --from RUN, the folder of a tlt train run");
  }
  if (request.out.empty()) problems.push_back("no output folder: give --out DIR");
  if (request.checkpoint.empty()) problems.push_back("the checkpoint name is empty: give --checkpoint best.pt or similar");
  if (!request.source_run.empty() && !request.out.empty() &&
      canonical_or_empty(request.source_run) == canonical_or_empty(request.out)) {
    problems.push_back("--out '" + request.out + "' is the source run folder; choose another folder so that the "
                       "run's init.pt and config.yaml stay intact");
  }
  for (const std::string& assignment : request.overrides) {
    const std::string key = override_key(assignment);
    if (key == "train.init_from" || key == "train.mask") {
      problems.push_back("--set " + assignment + ": tlt prune sets " + key +
                         " of the retraining itself; use --init to choose the init and --mask for an existing mask");
    }
  }
  return problems;
}

void check_request(const PruneRequest& request) {
  PruneOptions prune = request.prune;
  InitOptions init = request.init;
  config::Schema schema;
  bind(schema, "", prune);
  bind(schema, "", init);
  schema.validate(validate(request));
}

PruneOutcome run_pruning(const PruneRequest& request) {
  check_request(request);
  const fs::path out(request.out);
  const nlohmann::json request_json = request_record(request);
  const FolderState state = inspect_output_folder(out, kRecordFile, request_json, own_names(), request.force);

  PruneOutcome outcome;
  if (state == FolderState::kSameRequest) {
    const nlohmann::json record = read_json_file(out / kRecordFile);
    outcome.masked = record.value("masked_weights", int64_t{0});
    outcome.pruned = record.value("pruned_weights", int64_t{0});
    outcome.reused = true;
    spdlog::info("[prune] {} already contains this pruning ({:.2f}% of {} masked weights); keeping it", out.string(),
                 100.0 * outcome.sparsity(), outcome.masked);
  } else {
    const PruningResult result = compute_pruning(request, request_json);
    remove_own_entries(out, own_names());
    write_outputs(out, result);
    outcome.masked = result.total.numel;
    outcome.pruned = result.total.pruned;
  }

  if (request.retrain) {
    outcome.retrain_summary = retrain(out, request.device);
    outcome.retrained = true;
  }
  return outcome;
}

}  // namespace tlt::prune
