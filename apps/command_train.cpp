#include "commands.h"

namespace tlt::app {

CommandRunner add_train_command(CLI::App& app, CommonOptions& common) {
  auto* command = app.add_subcommand("train", "Train the encoder-decoder Transformer on Multi30k");
  command->add_option("--threads", common.threads, "LibTorch threads (0 = all cores)");
  return [] { return 0; };
}

}  // namespace tlt::app
