// tlt config: list every config key, or print the resolved config of a file with overrides.
#include <cstdio>

#include "commands.h"
#include "tlt/train/run_config.h"

namespace tlt::app {

void add_common_options(CLI::App& command, CommonOptions& common) {
  command.add_option("--threads", common.threads, "LibTorch intra-op threads (0 = all cores)")->capture_default_str();
  command.add_option("--log-level", common.log_level, "trace, debug, info, warn or error")->capture_default_str();
}

CommandRunner add_config_command(CLI::App& app, CommonOptions& common) {
  auto config_path = std::make_shared<std::string>();
  auto overrides = std::make_shared<std::vector<std::string>>();
  auto list = std::make_shared<bool>(false);
  auto* command = app.add_subcommand("config", "Print every config key with its default, or a resolved config");
  command->add_flag("--list", *list, "list every key with its type, default and help");
  command->add_option("--config,-c", *config_path, "YAML config file to resolve");
  command->add_option("--set", *overrides, "override a key, for example --set train.epochs=3 (repeatable)");
  add_common_options(*command, common);
  return [config_path, overrides, list]() {
    if (*list || config_path->empty()) {
      std::fputs(train::describe_run_config().c_str(), stdout);
      return 0;
    }
    train::RunConfig config = train::load_run_config(*config_path, *overrides);
    std::fputs(train::to_yaml(config).c_str(), stdout);
    return 0;
  };
}

}  // namespace tlt::app
