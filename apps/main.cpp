// Entry point of the tlt executable: dispatches to subcommands and turns errors into exit codes.
//
// Exit codes: 0 success; 1 internal error (a bug: please report it); 2 invalid command line or config;
// 3 data, file or checkpoint error; 130 interrupted (the last complete state was saved).

#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <map>
#include <string>

#include "commands.h"
#include "process_environment.h"
#include "tlt/util/error.h"
#include "tlt/util/interrupt.h"
#include "tlt/util/logging.h"

namespace {

int print_error(const char* kind, const std::exception& e, int code) {
  std::fprintf(stderr, "tlt: %s%s\n", kind, e.what());
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  tlt::app::reexec_with_tuned_environment(argv);

  CLI::App app{
      "tlt: Transformer Landscape Toolkit. Trains Transformers, compares optimizers, prunes with\n"
      "init rewinding and samples loss landscapes. Run 'tlt COMMAND --help' for each command."};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("tlt 0.1.0"));
  // Command-line errors that CLI11 finds read like tlt's own errors.
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return std::string("tlt: error: ") + e.what() + "\nRun 'tlt COMMAND --help' for the options of a command.\n";
  });

  tlt::app::CommonOptions common;
  std::map<CLI::App*, tlt::app::CommandRunner> runners;
  auto remember = [&](tlt::app::CommandRunner runner) { runners[app.get_subcommands({}).back()] = runner; };
  remember(tlt::app::add_train_command(app, common));
  remember(tlt::app::add_config_command(app, common));
  remember(tlt::app::add_translate_command(app, common));
  remember(tlt::app::add_bleu_command(app, common));
  remember(tlt::app::add_synth_attn_command(app, common));
  remember(tlt::app::add_landscape_command(app, common));
  remember(tlt::app::add_prune_command(app, common));

  // CLI11 reports a misspelt command only as "A subcommand is required", so name it and the valid ones.
  if (argc >= 2 && argv[1][0] != '-') {
    std::string commands;
    bool known = false;
    for (const CLI::App* command : app.get_subcommands({})) {
      known = known || command->get_name() == argv[1];
      commands += (commands.empty() ? "" : ", ") + command->get_name();
    }
    if (!known) {
      std::fprintf(stderr, "tlt: error: unknown command '%s'; the commands are %s (tlt --help describes them)\n",
                   argv[1], commands.c_str());
      return 2;
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  try {
    tlt::setup_logging(common.log_level);
    tlt::install_interrupt_handlers();
    for (const auto& [command, runner] : runners) {
      if (command->parsed()) return runner();
    }
    return 2;
  } catch (const tlt::ConfigError& e) {
    return print_error("error: ", e, 2);
  } catch (const tlt::DataError& e) {
    return print_error("error: ", e, 3);
  } catch (const tlt::CheckpointError& e) {
    return print_error("error: ", e, 3);
  } catch (const tlt::DistributedError& e) {
    return print_error("error: ", e, 4);
  } catch (const tlt::Interrupted& e) {
    return print_error("", e, 130);
  } catch (const std::exception& e) {
    return print_error("internal error (please report it): ", e, 1);
  }
}
