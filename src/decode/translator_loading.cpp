// Loading a Translator from a run folder, and the line-based input and output of `tlt translate`.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <sstream>

#include "tlt/data/prepared_data.h"
#include "tlt/decode/translator.h"
#include "tlt/model/parameters.h"
#include "tlt/util/error.h"
#include "tlt/util/file_io.h"
#include "tlt/util/logging.h"
#include "tlt/util/state_dict.h"

namespace tlt::decode {

namespace fs = std::filesystem;

fs::path find_run_config(const fs::path& checkpoint) {
  if (!fs::is_regular_file(checkpoint)) {
    throw CheckpointError("checkpoint '" + checkpoint.string() +
                          "' not found; give a .pt file of a tlt train run, "
                          "for example RUN/best.pt");
  }
  const fs::path config = checkpoint.parent_path() / "config.yaml";
  if (!fs::exists(config)) {
    throw CheckpointError("checkpoint '" + checkpoint.string() + "' has no run config '" + config.string() +
                          "' beside it; give a checkpoint inside the run folder that tlt train wrote, or copy "
                          "that run's config.yaml next to it");
  }
  return config;
}

fs::path find_sentencepiece_model(const fs::path& checkpoint, const data::DataOptions& data_options) {
  const fs::path beside = checkpoint.parent_path() / "spm.model";
  if (fs::exists(beside)) return beside;

  // Runs written before tlt train copied the model into the run folder: prepare_data finds the data
  // cache from the run's data options. If the cache is gone, prepare_data trains SentencePiece again,
  // which reproduces the model only if the corpus files are unchanged. The vocabulary size check of
  // load_translator catches some of the mismatches, not all.
  spdlog::warn("[translate] '{}' not found; looking for the SentencePiece model in the data cache '{}'",
               beside.string(), data_options.cache_dir);
  try {
    const data::PreparedData prepared = data::prepare_data(data_options);
    return prepared.vocab.model_path();
  } catch (const DataError& e) {
    throw CheckpointError("checkpoint '" + checkpoint.string() + "' has no SentencePiece model '" + beside.string() +
                          "' beside it, and the data cache of its run config cannot provide one (" + e.what() +
                          "); copy the spm.model of the run that wrote the checkpoint to '" + beside.string() + "'");
  }
}

Translator load_translator(const fs::path& checkpoint, const model::TransformerOptions& model_options,
                           const data::DataOptions& data_options) {
  const std::string label = "checkpoint '" + checkpoint.string() + "'";
  if (!fs::exists(checkpoint)) {
    throw CheckpointError(label + " not found; give RUN/best.pt, RUN/last.pt or RUN/epoch_NNN.pt of a tlt train run");
  }
  const StateDict state = load_state_dict(checkpoint);
  const fs::path spm_path = find_sentencepiece_model(checkpoint, data_options);
  data::Vocabulary vocabulary = data::Vocabulary::load(spm_path.string());

  // The embedding gives the vocabulary size the model was trained with.
  const auto embedding = state.find("decoder.trg_word_emb.weight");
  if (embedding == state.end() || embedding->second.dim() != 2) {
    throw CheckpointError(label +
                          " has no 2-dimensional 'decoder.trg_word_emb.weight'; it is not a tlt "
                          "Transformer checkpoint");
  }
  const int64_t vocab_size = embedding->second.size(0);
  if (vocab_size != vocabulary.size()) {
    throw CheckpointError(label + " has a vocabulary of " + std::to_string(vocab_size) +
                          " pieces, but SentencePiece "
                          "model '" +
                          spm_path.string() + "' has " + std::to_string(vocabulary.size()) +
                          "; use the spm.model of the run that wrote the checkpoint");
  }

  // NOTE: the model stays on the CPU; tlt translate has no --device option yet.
  model::Transformer model(model_options, vocab_size);
  model::load_module_state(*model, state, label);
  model->eval();
  spdlog::info("[translate] loaded {} ({} parameters, vocabulary {} from {})", checkpoint.string(),
               model::count_parameters(*model), vocabulary.size(), spm_path.string());
  return Translator(model, std::move(vocabulary));
}

std::vector<std::string> read_input_lines(const std::string& path) {
  std::vector<std::string> lines;
  if (path == "-") {
    // Same rules as read_text_lines for files: split at "\n", drop a trailing "\r", require UTF-8.
    const std::string bytes((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    std::istringstream in(bytes);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!is_valid_utf8(line)) {
        throw DataError("standard input line " + std::to_string(lines.size() + 1) +
                        " is not valid UTF-8; convert the text to UTF-8 (for example with iconv)");
      }
      lines.push_back(std::move(line));
    }
  } else {
    lines = read_text_lines(path);
  }
  if (lines.empty()) {
    const std::string name = path == "-" ? "standard input" : "input file '" + path + "'";
    throw DataError(name + " is empty; give one source sentence per line");
  }
  return lines;
}

void write_output_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) {
    text += line;
    text += '\n';
  }
  if (path.empty() || path == "-") {
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) {
      throw DataError("cannot write the translations to standard output: " + system_error_text());
    }
    return;
  }
  write_file_atomic(path, text);
}

}  // namespace tlt::decode
