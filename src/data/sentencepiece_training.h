// Training the shared SentencePiece BPE model through the tlt_sentencepiece module.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tlt/data/vocabulary.h"

namespace tlt::data {

/// Seed of SentencePiece's random generator during training. With every sentence used in the given order,
/// training should draw no random numbers. The fixed seed keeps the model reproducible if a step does.
inline constexpr unsigned kSentencePieceSeed = 1;

/// The SentencePiece trainer flags for a model of `vocab_size` pieces, as (name, value) pairs. They are
/// part of the cache key, so a change here retrains every cached model.
std::vector<std::pair<std::string, std::string>> sentencepiece_trainer_flags(int vocab_size);

/// Trains a BPE model on `sentences` and returns the bytes of its .model file. Identical sentences and
/// vocab_size give byte-identical models. `source` names the training text in messages. Throws DataError
/// when SentencePiece fails, translating its messages about a vocab_size too large for the text or too
/// small for its characters into data.vocab_size advice.
std::string train_sentencepiece_model(const std::vector<std::string>& sentences, int vocab_size,
                                      const std::string& source);

/// Formats the piece list of `vocabulary` as SentencePiece's .vocab file: "PIECE<TAB>SCORE" per line, in
/// id order.
std::string format_vocab_file(const Vocabulary& vocabulary);

}  // namespace tlt::data
