// tlt synth-attn: resolve the config, call synth::run_optimizer_study, print summary.csv to stdout.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>

#include "commands.h"
#include "tlt/synth/optimizer_study.h"
#include "tlt/util/error.h"
#include "tlt/util/logging.h"
#include "tlt/util/run_info.h"

namespace tlt::app {

namespace {

struct SynthAttnArguments {
  std::string config_path;
  std::vector<std::string> overrides;
  std::string out;
  std::string settings;
  bool list = false;
};

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> items;
  std::istringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) items.push_back(item);
  return items;
}

}  // namespace

CommandRunner add_synth_attn_command(CLI::App& app, CommonOptions& common) {
  auto arguments = std::make_shared<SynthAttnArguments>();
  auto* command = app.add_subcommand(
      "synth-attn", "Compare optimizers on a synthetic attention task: one attention block, six settings");
  command->add_option("--config,-c", arguments->config_path,
                      "YAML config file, for example configs/synth-attn.yaml (default: built-in defaults)");
  command->add_option("--set", arguments->overrides,
                      "override a config key, for example --set train.epochs=10 (repeatable)");
  command->add_option("--out,-o", arguments->out,
                      "study folder; a rerun skips the settings it completed (default: runs/<config file name>)");
  command->add_option("--settings", arguments->settings,
                      "comma-separated settings to run, from sgd, sgd+plateau, nag, nag+plateau, adam, "
                      "adam+plateau (default: train.settings)");
  command->add_flag("--list", arguments->list, "list every config key with its type, default and help, then exit");
  add_common_options(*command, common);

  return [arguments, &common]() {
    if (arguments->list) {
      std::fputs(synth::describe_synth_attn_config().c_str(), stdout);
      return 0;
    }
    configure_threads(common.threads);

    std::vector<std::string> overrides = arguments->overrides;
    if (!arguments->settings.empty()) {
      const std::vector<std::string> names = split_commas(arguments->settings);
      synth::parse_settings(names, "--settings");  // names --settings, not train.settings, in an error
      std::string list;
      for (const std::string& name : names) list += (list.empty() ? "" : ",") + name;
      overrides.push_back("train.settings=[" + list + "]");
    }
    const synth::SynthAttnConfig config = synth::load_synth_attn_config(arguments->config_path, overrides);

    const std::string stem =
        arguments->config_path.empty() ? "synth-attn" : std::filesystem::path(arguments->config_path).stem().string();
    const std::filesystem::path out = arguments->out.empty() ? std::filesystem::path("runs") / stem : std::filesystem::path(arguments->out);
    std::error_code error;
    std::filesystem::create_directories(out, error);
    if (error) {
      throw DataError("cannot create the study folder '" + out.string() + "': " + error.message() +
                      "; choose another --out");
    }
    add_log_file((out / "synth-attn.log").string());

    const std::vector<synth::SettingSummary> summaries = synth::run_optimizer_study(config, out);
    std::fputs(synth::format_summary_table(summaries).c_str(), stdout);
    return 0;
  };
}

}  // namespace tlt::app
