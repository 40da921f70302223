#include "data/sentencepiece_training.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <regex>

#include "data/sentencepiece_library.h"
#include "tlt/util/error.h"

namespace tlt::data {

std::vector<std::pair<std::string, std::string>> sentencepiece_trainer_flags(int vocab_size) {
  return {
      {"model_type", "bpe"},
      {"vocab_size", std::to_string(vocab_size)},
      {"pad_id", std::to_string(Vocabulary::kPadId)},
      {"bos_id", std::to_string(Vocabulary::kBosId)},
      {"eos_id", std::to_string(Vocabulary::kEosId)},
      {"unk_id", std::to_string(Vocabulary::kUnkId)},
      // Every character of the training text gets a piece, so no German or English letter becomes unk.
      {"character_coverage", "1.0"},
      {"normalization_rule_name", "nmt_nfkc"},
      // Train on every sentence, in the given order, rather than on a random sample.
      {"input_sentence_size", "0"},
      {"shuffle_input_sentence", "false"},
      // A fixed thread count, because SentencePiece stores it in the model: with 1 and 2 threads the
      // pieces came out identical and only that byte differed. Two threads trained no faster than one on
      // the full Multi30k training text (58,000 sentences, 8,000 pieces: about 2.3 s on the 2-core
      // Debian 12 development machine with SentencePiece 0.1.97).
      {"num_threads", "1"},
  };
}

namespace {

// SentencePiece's messages start with the failed check, "FILE(LINE) [(condition)] ", which only helps
// its developers.
std::string strip_check_location(const std::string& message) {
  const size_t condition = message.find(" [(");
  if (condition == std::string::npos) return message;
  const size_t end = message.find(")] ", condition);
  if (end == std::string::npos) return message;
  return message.substr(end + 3);
}

std::string translate_training_error(const std::string& raw_message, int vocab_size, size_t sentence_count,
                                     const std::string& source) {
  const std::string message = strip_check_location(raw_message);
  const std::string setting = "data.vocab_size = " + std::to_string(vocab_size);
  std::smatch match;

  // "Vocabulary size too high (9000). Please set it to a value <= 2345."
  if (std::regex_search(message, match, std::regex(R"(Vocabulary size too high.*<= (\d+))"))) {
    return setting + " is too large for the training text " + source + " (" + std::to_string(sentence_count) +
           " sentences): SentencePiece can learn at most " + match[1].str() +
           " pieces from it; set data.vocab_size to " + match[1].str() + " or less, or train on more pairs";
  }
  // "Vocabulary size is smaller than required_chars. 20 vs 83."
  if (std::regex_search(message, match, std::regex(R"(smaller than required_chars\. *\d+ vs (\d+))"))) {
    return setting + " is too small for the training text " + source +
           ": its distinct characters and the 4 special pieces need at least " + match[1].str() +
           "; set data.vocab_size to " + match[1].str() + " or more";
  }
  return "SentencePiece training on " + source + " with " + setting + " failed: " + message;
}

}  // namespace

std::string train_sentencepiece_model(const std::vector<std::string>& sentences, int vocab_size,
                                      const std::string& source) {
  const TltSentencePieceApi& api = sentencepiece_api();

  auto flags = sentencepiece_trainer_flags(vocab_size);
  // SentencePiece logs to stderr on its own, so its per-merge progress is kept for trace level only.
  flags.emplace_back("minloglevel", spdlog::should_log(spdlog::level::trace) ? "0" : "1");
  std::vector<const char*> keys;
  std::vector<const char*> values;
  for (const auto& [key, value] : flags) {
    keys.push_back(key.c_str());
    values.push_back(value.c_str());
  }
  std::vector<const char*> lines;
  std::vector<size_t> line_sizes;
  lines.reserve(sentences.size());
  line_sizes.reserve(sentences.size());
  for (const std::string& sentence : sentences) {
    lines.push_back(sentence.data());
    line_sizes.push_back(sentence.size());
  }

  char* model_bytes = nullptr;
  size_t model_size = 0;
  if (api.train(keys.data(), values.data(), keys.size(), lines.data(), line_sizes.data(), lines.size(),
                kSentencePieceSeed, &model_bytes, &model_size) != 0) {
    throw DataError(translate_training_error(api.last_error(), vocab_size, sentences.size(), source));
  }
  std::string model(model_bytes, model_size);
  api.free_buffer(model_bytes);
  return model;
}

std::string format_vocab_file(const Vocabulary& vocabulary) {
  std::string text;
  for (int id = 0; id < vocabulary.size(); ++id) {
    // "%g" is what SentencePiece's own writer produces through std::ostream's default float format.
    char score[32];
    std::snprintf(score, sizeof(score), "%g", static_cast<double>(vocabulary.piece_score(id)));
    text += vocabulary.id_to_piece(id) + "\t" + score + "\n";
  }
  return text;
}

}  // namespace tlt::data
