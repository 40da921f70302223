// The synth-attn optimizer study: trains the attention learner on the synthetic task under each chosen
// setting, from the same initial weights and with the same minibatch order, and writes the curves.
//
// Output folder (every file written atomically):
//   config.yaml       the resolved config
//   run.json          tlt version, git revision, LibTorch version, threads, host, settings and task statistics
//   init.pt           the common initial weights (a state_dict keyed by the learner's parameter names)
//   <setting>.csv     per-epoch table, rewritten after every epoch (see study_tables.h)
//   <setting>.pt      the setting's weights after the last epoch
//   summary.csv       one row per setting, rewritten after every setting
//
// NOTE: results repeat bit for bit only with the same thread count. In one check, losses differed in the
// 8th significant digit between 1 and 2 threads. Restarts of one folder with another thread count are
// not detected.
//
// Restarts: a setting whose <setting>.csv contains every epoch and whose <setting>.pt exists is skipped.
// Any other setting is trained again from init.pt. A folder whose config.yaml differs from the new config
// in anything but train.settings is rejected, so one folder never mixes two studies.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "tlt/synth/study_config.h"
#include "tlt/synth/study_tables.h"

namespace tlt::synth {

/// Returns the seed of the generator that shuffles the training split before `epoch` (counted from 1):
/// seed * 1000003 + epoch. Python's torch.randperm(n, generator=torch.Generator().manual_seed(s)) draws the
/// same permutation.
uint64_t shuffle_seed(int64_t seed, int64_t epoch);

/// Runs every setting of config.train.settings into `out_dir` and returns their summaries in that order.
/// Throws ConfigError for an invalid config or a folder that contains another study, and DataError for
/// files that cannot be written. On SIGINT or SIGTERM, throws Interrupted after the current minibatch and
/// leaves the completed settings in place.
std::vector<SettingSummary> run_optimizer_study(const SynthAttnConfig& config, const std::filesystem::path& out_dir);

}  // namespace tlt::synth
