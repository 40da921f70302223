// The shared SentencePiece vocabulary of source and target text.
//
// Special ids, fixed for every model that tlt trains and checked when a model is loaded:
//   pad 0 "<pad>", bos 1 "<s>", eos 2 "</s>", unk 3 "<unk>".
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace tlt::data {

class Vocabulary {
 public:
  static constexpr int kPadId = 0;
  static constexpr int kBosId = 1;
  static constexpr int kEosId = 2;
  static constexpr int kUnkId = 3;

  /// An empty vocabulary: size() is 0, the special ids are the constants above, and encode and decode
  /// throw std::logic_error. Use load() for a usable one.
  Vocabulary() = default;

  /// Loads a SentencePiece .model file. Throws DataError if the file is missing or unreadable, is not a
  /// SentencePiece model, or has special ids other than the ones above, or if the SentencePiece module
  /// cannot be loaded.
  static Vocabulary load(const std::string& model_path);

  /// Encodes UTF-8 text into piece ids, without bos or eos. Text is NFKC-normalised and whitespace is
  /// collapsed first (SentencePiece's "nmt_nfkc" rule), so decode(encode(text)) may differ from text.
  std::vector<int> encode(const std::string& text) const;

  /// Decodes ids into UTF-8 text, skipping pad, bos and eos. Unk decodes to " ⁇ ". Throws DataError for
  /// an id outside [0, size()).
  std::string decode(const std::vector<int>& ids) const;

  /// The text of piece `id`, such as "▁the". Throws DataError for an id outside [0, size()).
  std::string id_to_piece(int id) const;

  /// The score of piece `id`: for BPE, minus the merge rank, 0 for special pieces.
  float piece_score(int id) const;

  /// Number of pieces V, the special ones included.
  int size() const { return size_; }
  int pad_id() const { return kPadId; }
  int bos_id() const { return kBosId; }
  int eos_id() const { return kEosId; }
  int unk_id() const { return kUnkId; }

  /// The .model file this vocabulary was loaded from, or "" for an empty vocabulary.
  const std::string& model_path() const { return model_path_; }

 private:
  struct Model;

  const Model& model() const;

  std::shared_ptr<const Model> model_;
  std::string model_path_;
  int size_ = 0;
};

}  // namespace tlt::data
