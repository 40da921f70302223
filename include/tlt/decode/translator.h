// Translation of text with a trained model. A Translator holds a checkpoint's model and its run's
// SentencePiece model, batches sentences by length, searches and detokenizes. evaluate_bleu scores a
// model on an encoded corpus.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "tlt/data/data_options.h"
#include "tlt/data/parallel_corpus.h"
#include "tlt/data/vocabulary.h"
#include "tlt/decode/bleu.h"
#include "tlt/decode/decode_options.h"
#include "tlt/decode/search.h"
#include "tlt/model/transformer.h"

namespace tlt::decode {

/// A model and the vocabulary it was trained with.
class Translator {
 public:
  /// `model` must have been trained with `vocabulary`: V = vocabulary.size().
  Translator(model::Transformer model, data::Vocabulary vocabulary);

  /// Translates one sentence per line; output i belongs to lines[i]. A line that is blank or encodes
  /// to no piece gives an empty output without decoding. Sentences are sorted by length and decoded in
  /// batches of options.batch_size; `show_progress` reports sentences per second and the ETA. Throws
  /// DataError naming the line (1-based) when a line has more pieces than the position table allows.
  std::vector<std::string> translate(const std::vector<std::string>& lines, const DecodeOptions& options,
                                     bool show_progress = false);

  /// Decodes source sentences given as piece ids without eos; output i belongs to sources[i].
  /// `item_name` names an item in error messages ("input line", "validation sentence"); the number
  /// after it is 1-based. Throws DataError for a source longer than the position table allows.
  std::vector<TokenIds> translate_ids(const std::vector<std::vector<int>>& sources, const DecodeOptions& options,
                                      bool show_progress = false, const std::string& item_name = "sentence");

  model::Transformer& model() { return model_; }
  const data::Vocabulary& vocabulary() const { return vocabulary_; }

 private:
  model::Transformer model_;
  data::Vocabulary vocabulary_;
};

/// Returns RUN/config.yaml for a checkpoint RUN/NAME.pt. Throws CheckpointError if it does not exist.
std::filesystem::path find_run_config(const std::filesystem::path& checkpoint);

/// Returns the SentencePiece model of the run that wrote `checkpoint`: RUN/spm.model if it exists
/// (tlt train copies it there), else the one in the data cache that prepare_data(data_options) finds
/// or rebuilds, with a warning. Throws CheckpointError if neither can be had.
std::filesystem::path find_sentencepiece_model(const std::filesystem::path& checkpoint,
                                               const data::DataOptions& data_options);

/// Builds the model of `model_options` with the vocabulary of the run and loads the checkpoint into
/// it. Masks of a pruned model are already applied to its saved weights. Throws CheckpointError for
/// a missing or unreadable checkpoint, one whose tensors do not fit `model_options`, or a vocabulary
/// size that differs from the checkpoint's embedding.
Translator load_translator(const std::filesystem::path& checkpoint, const model::TransformerOptions& model_options,
                           const data::DataOptions& data_options);

/// Reads UTF-8 lines from a file (plain or gzip), or from standard input when `path` is "-". Throws
/// DataError for a missing file, text that is not UTF-8 (naming the line) or an input without lines.
std::vector<std::string> read_input_lines(const std::string& path);

/// Writes one line per element, each ending with "\n", atomically to `path`, or to standard output
/// when `path` is empty or "-".
void write_output_lines(const std::string& path, const std::vector<std::string>& lines);

/// Corpus BLEU of `model` on `corpus`: decodes corpus.src, detokenizes hypotheses and the references
/// corpus.trg with `vocabulary` and scores them (13a tokenization, no smoothing). The references are
/// the SentencePiece round trip of the raw text, NFKC-normalised, so the score can differ slightly
/// from BLEU against the raw reference file.
BleuScore evaluate_bleu(model::Transformer& model, const data::Vocabulary& vocabulary,
                        const data::ParallelCorpus& corpus, const DecodeOptions& options);

}  // namespace tlt::decode
