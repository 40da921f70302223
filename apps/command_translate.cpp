// tlt translate: load a checkpoint with its run's config and SentencePiece model, translate a file.
#include <chrono>

#include "commands.h"
#include "tlt/decode/translator.h"
#include "tlt/train/run_config.h"
#include "tlt/util/error.h"
#include "tlt/util/logging.h"
#include "tlt/util/run_info.h"

namespace tlt::app {

namespace {

struct TranslateArguments {
  std::string checkpoint;
  std::string input;
  std::string output;
  bool no_cache = false;
  decode::DecodeOptions decode;
};

}  // namespace

CommandRunner add_translate_command(CLI::App& app, CommonOptions& common) {
  auto arguments = std::make_shared<TranslateArguments>();
  decode::DecodeOptions& decode = arguments->decode;
  auto* command = app.add_subcommand(
      "translate", "Translate sentences with a trained checkpoint (greedy or beam search), one per line");
  command
      ->add_option("--checkpoint", arguments->checkpoint,
                   "checkpoint of a tlt train run, for example runs/wmt16-small/best.pt; config.yaml and spm.model "
                   "are read from its folder")
      ->required();
  command->add_option("--input,-i", arguments->input, "source sentences, one per line (plain or .gz); - reads stdin")
      ->required();
  command->add_option("--output,-o", arguments->output,
                      "file for the translations, one per input line (written atomically); default: stdout");
  command->add_option("--beam", decode.beam_size, "beam size; 1 is greedy search")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--alpha", decode.alpha, "length penalty exponent: scores are log P / ((5 + length) / 6)^alpha")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command
      ->add_option("--max-len-ratio", decode.max_len_ratio,
                   "max output tokens = ratio * source tokens + offset (eos included on both sides)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_option("--max-len-offset", decode.max_len_offset, "constant term of the max output length, in tokens")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_option("--batch-size", decode.batch_size, "sentences decoded together")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_flag("--no-cache", arguments->no_cache,
                    "recompute the whole prefix at every step instead of caching keys and values (slow; for checks)");
  add_common_options(*command, common);

  return [arguments, &common]() {
    configure_threads(common.threads);
    decode::DecodeOptions options = arguments->decode;
    options.use_cache = !arguments->no_cache;
    const std::vector<std::string> problems = decode::validate(options);
    if (!problems.empty()) {
      std::string message = "invalid decoding options:";
      for (const std::string& problem : problems) message += "\n  " + problem;
      throw ConfigError(message);
    }

    const train::RunConfig config = train::load_run_config(decode::find_run_config(arguments->checkpoint).string(), {});
    const std::vector<std::string> lines = decode::read_input_lines(arguments->input);
    decode::Translator translator = decode::load_translator(arguments->checkpoint, config.model, config.data);

    const auto start = std::chrono::steady_clock::now();
    const std::vector<std::string> translations = translator.translate(lines, options, /*show_progress=*/true);
    const double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    decode::write_output_lines(arguments->output, translations);
    spdlog::info("[translate] {} lines in {:.1f} s ({:.1f} lines/s), beam {}, output {}", lines.size(), elapsed_s,
                 static_cast<double>(lines.size()) / std::max(elapsed_s, 1e-9), options.beam_size,
                 arguments->output.empty() ? "stdout" : arguments->output);
    return 0;
  };
}

}  // namespace tlt::app
