// Subcommands of the tlt executable. Each is an adapter: it declares its options, parses and validates
// the config, calls one library entry point and leaves error handling to main().
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace tlt::app {

/// Options every subcommand accepts.
struct CommonOptions {
  std::string log_level = "info";  ///< trace | debug | info | warn | error
  int threads = 0;                 ///< LibTorch intra-op threads; 0 means all cores
};

/// Registers a subcommand on `app`. The returned callback runs after parsing when the subcommand was
/// chosen; it returns the exit code.
using CommandRunner = std::function<int()>;

/// Adds --threads and --log-level to a subcommand.
void add_common_options(CLI::App& command, CommonOptions& common);

CommandRunner add_train_command(CLI::App& app, CommonOptions& common);
CommandRunner add_config_command(CLI::App& app, CommonOptions& common);
CommandRunner add_translate_command(CLI::App& app, CommonOptions& common);
CommandRunner add_bleu_command(CLI::App& app, CommonOptions& common);
CommandRunner add_synth_attn_command(CLI::App& app, CommonOptions& common);
CommandRunner add_landscape_command(CLI::App& app, CommonOptions& common);
CommandRunner add_prune_command(CLI::App& app, CommonOptions& common);

}  // namespace tlt::app
