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

CommandRunner add_train_command(CLI::App& app, CommonOptions& common);

}  // namespace tlt::app
