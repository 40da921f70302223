// tlt bleu: corpus BLEU of a hypothesis file against reference files.
#include <cstdio>

#include "commands.h"
#include "tlt/config/schema.h"
#include "tlt/decode/bleu.h"

namespace tlt::app {

namespace {

struct BleuArguments {
  std::string hypothesis;
  std::vector<std::string> references;
  std::string smoothing = "none";
  bool json = false;
};

}  // namespace

CommandRunner add_bleu_command(CLI::App& app, CommonOptions& common) {
  auto arguments = std::make_shared<BleuArguments>();
  auto* command = app.add_subcommand(
      "bleu", "Corpus BLEU of translations against references (13a tokenization, sacreBLEU's definition)");
  command->add_option("--hyp", arguments->hypothesis, "translations, one per line (plain or .gz)")->required();
  command
      ->add_option("--ref", arguments->references,
                   "reference translations, one per line, in the order of --hyp; repeat for several references")
      ->required();
  command
      ->add_option("--smooth", arguments->smoothing,
                   "none (an n-gram order without a match gives BLEU 0) or exp (mteval-v13a's smoothing)")
      ->capture_default_str();
  command->add_flag("--json", arguments->json, "print the score and its parts as one JSON object");
  add_common_options(*command, common);

  return [arguments]() {
    const decode::BleuSmoothing smoothing =
        config::parse_choice(arguments->smoothing, decode::bleu_smoothing_names(), "--smooth");
    const std::vector<std::filesystem::path> references(arguments->references.begin(), arguments->references.end());
    const decode::BleuScore score = decode::corpus_bleu_of_files(arguments->hypothesis, references, smoothing);
    const std::string text = arguments->json ? decode::bleu_to_json(score).dump() : decode::format_bleu(score);
    std::printf("%s\n", text.c_str());
    return 0;
  };
}

}  // namespace tlt::app
