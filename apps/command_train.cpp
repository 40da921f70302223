// tlt train: parse options, resolve the config, call train::run_training.
#include <filesystem>
#include <memory>

#include "commands.h"
#include "tlt/dist/process_group.h"
#include "tlt/train/trainer.h"
#include "tlt/util/error.h"
#include "tlt/util/run_info.h"

namespace tlt::app {

namespace {

struct TrainArguments {
  std::string config_path;
  std::vector<std::string> overrides;
  std::string out;
  std::string resume;
  std::string device = "cpu";
};

std::string default_run_dir(const std::string& config_path) {
  return (std::filesystem::path("runs") / std::filesystem::path(config_path).stem()).string();
}

}  // namespace

CommandRunner add_train_command(CLI::App& app, CommonOptions& common) {
  auto arguments = std::make_shared<TrainArguments>();
  auto* command = app.add_subcommand("train", "Train the encoder-decoder Transformer on Multi30k (or resume a run)");
  command->add_option("--config,-c", arguments->config_path, "YAML config file, for example configs/wmt16-small.yaml");
  command->add_option("--set", arguments->overrides,
                      "override a config key, for example --set train.epochs=3 (repeatable)");
  command->add_option("--out,-o", arguments->out, "run folder (default: runs/<config file name>)");
  command->add_option("--resume", arguments->resume,
                      "continue the run in this folder from its last complete epoch, with its saved config");
  command
      ->add_option("--device", arguments->device, "cpu, cuda (GPU LOCAL_RANK when launched as several ranks) or cuda:N")
      ->capture_default_str();
  add_common_options(*command, common);

  return [arguments, &common]() {
    configure_threads(common.threads);
    train::TrainSession session;
    session.device = arguments->device;
    train::RunConfig config;
    if (!arguments->resume.empty()) {
      if (!arguments->config_path.empty() || !arguments->out.empty()) {
        throw ConfigError(
            "--resume takes the config and folder of the run; drop --config and --out "
            "(use --set to change a key, for example train.epochs)");
      }
      const std::filesystem::path saved = std::filesystem::path(arguments->resume) / "config.yaml";
      if (!std::filesystem::exists(saved)) {
        throw ConfigError("cannot resume '" + arguments->resume + "': " + saved.string() + " not found");
      }
      config = train::load_run_config(saved.string(), arguments->overrides);
      session.run_dir = arguments->resume;
      session.resume = true;
    } else {
      if (arguments->config_path.empty()) {
        throw ConfigError("tlt train needs --config FILE (for example configs/wmt16-small.yaml) or --resume RUN");
      }
      config = train::load_run_config(arguments->config_path, arguments->overrides);
      session.run_dir = arguments->out.empty() ? default_run_dir(arguments->config_path) : arguments->out;
    }
    // Under torchrun, srun or scripts/launch_local.sh the ranks train data-parallel.
    const std::unique_ptr<dist::ProcessGroup> group = dist::join_from_environment();
    session.group = group.get();
    train::run_training(config, session);
    return 0;
  };
}

}  // namespace tlt::app
