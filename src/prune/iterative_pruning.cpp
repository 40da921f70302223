#include "tlt/prune/iterative_pruning.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "output_folder.h"
#include "tlt/train/metrics_table.h"
#include "tlt/util/error.h"
#include "tlt/util/file_io.h"
#include "tlt/util/logging.h"
#include "tlt/util/run_info.h"

namespace tlt::prune {

namespace fs = std::filesystem;

namespace {

constexpr int kRecordFormatVersion = 1;
constexpr size_t kMaxRounds = 99;
const char* const kRecordFile = "iterative.json";

const OwnNames& own_names() {
  static const OwnNames names{{kRecordFile, "rounds.csv"}, {"round_"}};
  return names;
}

fs::path round_folder(const fs::path& out, size_t round) {
  char name[16];
  std::snprintf(name, sizeof(name), "round_%02zu", round);
  return out / name;
}

void write_rounds_table(const fs::path& path, const std::vector<RoundOutcome>& rounds) {
  std::string text = "round,rate,sparsity,pruned,masked,best_epoch,best_valid_loss,best_valid_accuracy\n";
  for (const RoundOutcome& round : rounds) {
    const PruneOutcome& outcome = round.outcome;
    text += std::to_string(round.round) + "," + train::format_number(round.rate, 8) + "," +
            train::format_number(outcome.sparsity(), 8) + "," + std::to_string(outcome.pruned) + "," +
            std::to_string(outcome.masked) + "," + std::to_string(outcome.retrain_summary.best_epoch) + "," +
            train::format_number(outcome.retrain_summary.best_valid_loss) + "," +
            train::format_number(outcome.retrain_summary.best_valid_accuracy) + "\n";
  }
  write_file_atomic(path, text);
}

}  // namespace

std::vector<double> plan_rounds(double rate_per_round, double target) {
  if (!(rate_per_round > 0.0 && rate_per_round < 1.0)) {
    throw ConfigError("invalid --rate-per-round " + std::to_string(rate_per_round) +
                      ": expected a fraction in (0, 1) of the remaining weights, for example 0.2");
  }
  if (!(target > 0.0 && target < 1.0)) {
    throw ConfigError("invalid --target " + std::to_string(target) +
                      ": expected a final sparsity in (0, 1), for example 0.8");
  }
  // Tolerance for 1 - (1 - p)^r landing on the target up to rounding, such as p = 0.5 and target 0.75.
  constexpr double kTolerance = 1e-9;
  std::vector<double> rates;
  double remaining = 1.0;
  while (true) {
    if (1.0 - remaining * (1.0 - rate_per_round) >= target - kTolerance) {
      rates.push_back(1.0 - (1.0 - target) / remaining);
      return rates;
    }
    rates.push_back(rate_per_round);
    remaining *= 1.0 - rate_per_round;
    if (rates.size() >= kMaxRounds) {
      const double rounds = std::ceil(std::log(1.0 - target) / std::log(1.0 - rate_per_round));
      throw ConfigError("--rate-per-round " + std::to_string(rate_per_round) + " needs about " +
                        std::to_string(static_cast<int64_t>(rounds)) + " rounds to reach --target " +
                        std::to_string(target) + ", more than " + std::to_string(kMaxRounds) +
                        "; raise --rate-per-round");
    }
  }
}

std::vector<RoundOutcome> run_iterative_pruning(const IterativeRequest& request) {
  // NOTE: the plan counts sparsity from the weights unpruned before round 1. A source run that is already
  // pruned (a train.mask, or --mask) therefore ends above --target over all prunable weights.
  const std::vector<double> rates = plan_rounds(request.rate_per_round, request.target);
  const fs::path out(request.round.out);
  PruneRequest first_round = request.round;
  first_round.prune.rate = rates.front();
  check_request(first_round);

  // The folder: new, the same request (continue), or replaced with --force.
  PruneRequest described = request.round;
  described.prune.rate = 0.0;
  nlohmann::json request_json = request_record(described);
  request_json.erase("rate");
  request_json["rate_per_round"] = request.rate_per_round;
  request_json["target"] = request.target;
  request_json["rates"] = rates;
  if (fs::exists(out / kRecordFile) && !fs::exists(round_folder(out, 1) / "prune.json")) {
    // A plan whose first round never finished its pruning (for example a pattern that matched nothing) contains
    // no result, so a corrected request may replace it without --force.
    fs::remove(out / kRecordFile);
  }
  const FolderState state = inspect_output_folder(out, kRecordFile, request_json, own_names(), request.round.force);
  if (state != FolderState::kSameRequest) {
    remove_own_entries(out, own_names());
    const nlohmann::json record = {{"format_version", kRecordFormatVersion},
                                   {"request", request_json},
                                   {"tlt_version", tlt_version()},
                                   {"environment", describe_environment()}};
    write_file_atomic(out / kRecordFile, record.dump(2) + "\n");
  }
  spdlog::info("[prune] iterative pruning in {} rounds to {:.2f}% sparsity, {:.2f}% of the remaining weights per "
               "round",
               rates.size(), 100.0 * request.target, 100.0 * request.rate_per_round);

  // The rounds: each prunes the previous round's retrained weights and rewinds to the source run.
  std::vector<RoundOutcome> rounds;
  for (size_t r = 1; r <= rates.size(); ++r) {
    PruneRequest round = request.round;
    round.prune.rate = rates[r - 1];
    round.out = round_folder(out, r).string();
    round.retrain = true;
    round.force = false;
    if (round.init_run.empty()) round.init_run = request.round.source_run;
    if (r > 1) {
      round.source_run = (round_folder(out, r - 1) / "train").string();
      round.mask = (round_folder(out, r - 1) / "mask.pt").string();
    }
    spdlog::info("[prune] round {}/{}: pruning {:.2f}% of the remaining weights into {}", r, rates.size(),
                 100.0 * round.prune.rate, round.out);

    RoundOutcome outcome;
    outcome.round = static_cast<int>(r);
    outcome.rate = round.prune.rate;
    outcome.outcome = run_pruning(round);
    rounds.push_back(outcome);
    write_rounds_table(out / "rounds.csv", rounds);
    spdlog::info("[prune] round {}/{} done: sparsity {:.2f}%, best valid loss {:.4f} and accuracy {:.4f} at epoch {}",
                 r, rates.size(), 100.0 * outcome.outcome.sparsity(), outcome.outcome.retrain_summary.best_valid_loss,
                 outcome.outcome.retrain_summary.best_valid_accuracy, outcome.outcome.retrain_summary.best_epoch);
  }
  return rounds;
}

}  // namespace tlt::prune
