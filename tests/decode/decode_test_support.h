// A tiny run folder for the decode tests: a synthetic German-English corpus, its SentencePiece model and
// a random Transformer checkpoint, laid out as tlt train writes them.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "tlt/data/data_options.h"
#include "tlt/model/transformer_options.h"

namespace tlt::decode::testing {

namespace fs = std::filesystem;

/// Paths and options of the tiny run.
struct TinyRun {
  fs::path dir;                           ///< RUN: config.yaml, spm.model, best.pt
  fs::path checkpoint;                    ///< RUN/best.pt
  fs::path spm_model;                     ///< RUN/spm.model
  data::DataOptions data;                 ///< reads the synthetic corpus, cache under the test folder
  model::TransformerOptions model;        ///< d_model 16, 1 layer, n_position 64, untied projection
  int64_t vocab_size = 0;                 ///< pieces of spm.model
  std::vector<std::string> source_lines;  ///< the validation source lines, raw text
};

/// Returns the tiny run, built once per test process in a folder of its own. Building writes the corpus
/// and prepares the data, which trains a 40-piece SentencePiece model. It then saves a random model with
/// peaked output distributions (projection weight times 4) and writes config.yaml with the data and
/// model sections.
const TinyRun& tiny_run();

/// Builds the model of `run` and fills it with random weights from `seed` (projection times 4).
void write_random_checkpoint(const TinyRun& run, const fs::path& path, int64_t vocab_size, uint64_t seed);

}  // namespace tlt::decode::testing
