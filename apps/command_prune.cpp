// tlt prune: parse options, call prune::run_pruning or prune::run_iterative_pruning.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "commands.h"
#include "tlt/prune/iterative_pruning.h"
#include "tlt/prune/pruning_run.h"
#include "tlt/util/error.h"
#include "tlt/util/run_info.h"

namespace tlt::app {

namespace {

// Text options that become enums after parsing, and the iterative mode.
struct PruneArguments {
  prune::PruneRequest request;
  std::string scope = "global";
  std::string init = "rewind";
  std::string normalization = "filter";
  bool iterative = false;
  double rate_per_round = 0.2;
  double target = 0.8;
};

const char* const kFooter =
    "Inits (--init): rewind = RUN/init.pt, the weights before the first step (w0); checkpoint = RUN/epoch_00K.pt or\n"
    "RUN/step_00000K.pt (--rewind-to epoch:K or step:K; steps need train.save_steps in the base run); random = a\n"
    "new init with --seed; perturbed = w0 + alpha * (w* - w0) + beta * y, where w* is --checkpoint, so alpha = 1\n"
    "and beta = 0 give w*, and y is a random direction normalised against w0 (--normalization, --direction-seed).\n"
    "The mask is applied to every init.\n"
    "Outputs: OUT/init.pt, mask.pt, sparsity.csv, config.yaml (retrain with 'tlt train --config OUT/config.yaml\n"
    "--out OUT/train', or pass --retrain), prune.json. --iterative writes OUT/round_01, round_02, ... and\n"
    "OUT/rounds.csv, and a rerun continues where it stopped.";

void print_single(const prune::PruneRequest& request, const prune::PruneOutcome& outcome) {
  std::printf("%s: %lld of %lld prunable weights pruned (%.2f%%)\n", request.out.c_str(),
              static_cast<long long>(outcome.pruned), static_cast<long long>(outcome.masked),
              100.0 * outcome.sparsity());
  if (outcome.retrained) {
    std::printf("retrained: best epoch %lld, valid loss %.4f, valid accuracy %.4f\n",
                static_cast<long long>(outcome.retrain_summary.best_epoch), outcome.retrain_summary.best_valid_loss,
                outcome.retrain_summary.best_valid_accuracy);
  }
}

void print_rounds(const std::vector<prune::RoundOutcome>& rounds) {
  std::printf("round  sparsity  best_epoch  best_valid_loss  best_valid_accuracy\n");
  for (const prune::RoundOutcome& round : rounds) {
    const train::TrainSummary& summary = round.outcome.retrain_summary;
    std::printf("%5d  %7.2f%%  %10lld  %15.4f  %19.4f\n", round.round, 100.0 * round.outcome.sparsity(),
                static_cast<long long>(summary.best_epoch), summary.best_valid_loss, summary.best_valid_accuracy);
  }
}

}  // namespace

CommandRunner add_prune_command(CLI::App& app, CommonOptions& common) {
  auto arguments = std::make_shared<PruneArguments>();
  prune::PruneRequest& request = arguments->request;
  auto* command = app.add_subcommand(
      "prune",
      "Magnitude pruning of a trained run with init rewinding (lottery tickets), one step or iterative, and "
      "optionally the retraining");
  command->footer(kFooter);
  command->add_option("--from", request.source_run, "folder of the tlt train run to prune (RUN)");
  command->add_option("--out,-o", request.out, "output folder");
  command
      ->add_option("--checkpoint", request.checkpoint,
                   "weights ranked by magnitude, and w* of the perturbed init: a file in RUN or an absolute path")
      ->capture_default_str();
  command->add_option("--mask", request.mask,
                      "mask of weights already pruned, which stay pruned (default: RUN's train.mask, if any)");
  auto* rate = command
                   ->add_option("--rate", request.prune.rate,
                                "fraction of the still unpruned prunable weights to prune, in [0, 1)")
                   ->check(CLI::Validator(
                       [](const std::string& text) {
                         const double value = std::strtod(text.c_str(), nullptr);
                         return value >= 0.0 && value < 1.0
                                    ? std::string()
                                    : text +
                                          " is out of range: expected a fraction in [0, 1), for "
                                          "example 0.3 to prune 30% of the unpruned weights";
                       },
                       "in [0, 1)", "fraction"));
  command->add_option("--scope", arguments->scope, "global (one threshold over all prunable weights) or tensor")
      ->capture_default_str();
  command
      ->add_option("--include", request.prune.include,
                   "name patterns of prunable weights: glob with * ? [..], or 're:' and a regex (repeatable)")
      ->capture_default_str();
  command->add_option("--exclude", request.prune.exclude, "name patterns of weights never pruned (repeatable)");
  command->add_option("--init", arguments->init, "init for retraining: rewind, checkpoint, random or perturbed")
      ->capture_default_str();
  command->add_option("--rewind-to", request.init.rewind_to, "checkpoint init: epoch:K or step:K of RUN");
  command->add_option("--seed", request.init.seed, "random init: its seed (default: RUN's train.seed + 1)");
  command->add_option("--alpha", request.init.alpha, "perturbed init: coefficient of w* - w0")->capture_default_str();
  command->add_option("--beta", request.init.beta, "perturbed init: coefficient of the random direction y")
      ->capture_default_str();
  command
      ->add_option("--normalization", arguments->normalization,
                   "perturbed init: scaling of y against w0 (Li et al. 2018, section 4): filter, layer, weight or none")
      ->capture_default_str();
  command->add_flag("--ignore-1d,!--keep-1d", request.init.ignore_1d,
                    "perturbed init: y is 0 on 1-D parameters (default), or with --keep-1d a copy of them");
  command->add_option("--direction-seed", request.init.direction_seed, "perturbed init: seed of y")
      ->capture_default_str();
  command->add_flag("--retrain", request.retrain, "train the pruned network into OUT/train");
  command->add_option("--set", request.overrides,
                      "override a key of the retraining config, for example --set train.epochs=5 (repeatable)");
  command->add_flag("--force", request.force, "replace an output folder that contains another pruning");
  auto* iterative = command->add_flag("--iterative", arguments->iterative,
                                      "prune, rewind and retrain in rounds until --target sparsity");
  command
      ->add_option("--rate-per-round", arguments->rate_per_round,
                   "iterative: fraction of the remaining weights each round prunes")
      ->capture_default_str();
  command->add_option("--target", arguments->target, "iterative: the final sparsity")->capture_default_str();
  command->add_option("--device", request.device, "device of the retraining: cpu, cuda or cuda:N")
      ->capture_default_str();
  add_common_options(*command, common);
  iterative->excludes(rate);

  return [arguments, command, &common]() {
    configure_threads(common.threads);
    prune::PruneRequest request = arguments->request;
    request.prune.scope = prune::parse_prune_scope(arguments->scope);
    request.init.mode = prune::parse_init_mode(arguments->init);
    request.init.normalization = space::parse_normalization(arguments->normalization);

    if (arguments->iterative) {
      prune::IterativeRequest iterative_request;
      iterative_request.round = request;
      iterative_request.rate_per_round = arguments->rate_per_round;
      iterative_request.target = arguments->target;
      print_rounds(prune::run_iterative_pruning(iterative_request));
      return 0;
    }
    if (command->count("--rate-per-round") > 0 || command->count("--target") > 0) {
      throw ConfigError("--rate-per-round and --target apply to --iterative; for one pruning step give --rate");
    }
    if (command->count("--rate") == 0) {
      throw ConfigError(
          "tlt prune needs --rate R, the fraction of the unpruned weights to prune (for example 0.3), "
          "or --iterative");
    }
    print_single(request, prune::run_pruning(request));
    return 0;
  };
}

}  // namespace tlt::app
