#include "tlt/data/vocabulary.h"

#include <stdexcept>

#include "data/sentencepiece_library.h"
#include "tlt/util/error.h"
#include "tlt/util/file_io.h"

namespace tlt::data {

// A processor inside the SentencePiece module, freed through the module when the last copy of the
// Vocabulary that shares it goes away.
struct Vocabulary::Model {
  const TltSentencePieceApi* api = nullptr;
  TltSentencePieceProcessor* processor = nullptr;

  Model(const TltSentencePieceApi* api_table, TltSentencePieceProcessor* loaded) : api(api_table), processor(loaded) {}
  ~Model() { api->free_processor(processor); }
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;
};

Vocabulary Vocabulary::load(const std::string& model_path) {
  if (!fs::exists(model_path)) {
    throw DataError("SentencePiece model '" + model_path +
                    "' not found; give the spm.model file written by prepare_data into its cache folder");
  }
  const std::string bytes = read_file(model_path);
  const TltSentencePieceApi& api = sentencepiece_api();

  TltSentencePieceProcessor* processor = api.load(bytes.data(), bytes.size());
  if (processor == nullptr) {
    throw DataError("'" + model_path + "' is not a valid SentencePiece model (" + api.last_error() +
                    "); delete it so that it is trained again, or give the right file");
  }
  Vocabulary vocabulary;
  vocabulary.model_ = std::make_shared<const Model>(&api, processor);
  vocabulary.model_path_ = model_path;
  vocabulary.size_ = api.piece_count(processor);

  // The model, the batches and the loss all assume the fixed special ids, so a model trained with other
  // settings cannot be used even if it loads.
  const int pad = api.pad_id(processor);
  const int bos = api.bos_id(processor);
  const int eos = api.eos_id(processor);
  const int unk = api.unk_id(processor);
  if (pad != kPadId || bos != kBosId || eos != kEosId || unk != kUnkId) {
    throw DataError("SentencePiece model '" + model_path + "' has pad/bos/eos/unk ids " + std::to_string(pad) + "/" +
                    std::to_string(bos) + "/" + std::to_string(eos) + "/" + std::to_string(unk) +
                    ", but tlt needs 0/1/2/3; train it with --pad_id=0 --bos_id=1 --eos_id=2 --unk_id=3");
  }
  return vocabulary;
}

const Vocabulary::Model& Vocabulary::model() const {
  if (!model_) throw std::logic_error("the Vocabulary is empty; create it with Vocabulary::load");
  return *model_;
}

std::vector<int> Vocabulary::encode(const std::string& text) const {
  const Model& loaded = model();
  int32_t* ids = nullptr;
  size_t count = 0;
  if (loaded.api->encode(loaded.processor, text.data(), text.size(), &ids, &count) != 0) {
    throw DataError("SentencePiece failed to encode the text '" + text + "' with '" + model_path_ +
                    "': " + loaded.api->last_error());
  }
  std::vector<int> encoded(ids, ids + count);
  loaded.api->free_buffer(ids);
  return encoded;
}

std::string Vocabulary::decode(const std::vector<int>& ids) const {
  const Model& loaded = model();
  std::vector<int32_t> text_ids;
  text_ids.reserve(ids.size());
  for (const int id : ids) {
    if (id < 0 || id >= size_) {
      throw DataError("token id " + std::to_string(id) + " is outside the vocabulary of " + std::to_string(size_) +
                      " pieces in '" + model_path_ +
                      "'; check that the checkpoint was trained with this SentencePiece model");
    }
    if (id != kPadId && id != kBosId && id != kEosId) text_ids.push_back(id);
  }

  char* text = nullptr;
  size_t size = 0;
  if (loaded.api->decode(loaded.processor, text_ids.data(), text_ids.size(), &text, &size) != 0) {
    throw DataError("SentencePiece failed to decode ids with '" + model_path_ + "': " + loaded.api->last_error());
  }
  std::string decoded(text, size);
  loaded.api->free_buffer(text);
  return decoded;
}

std::string Vocabulary::id_to_piece(int id) const {
  const Model& loaded = model();
  const char* piece = loaded.api->id_to_piece(loaded.processor, id);
  if (piece == nullptr) {
    throw DataError("token id " + std::to_string(id) + " is outside the vocabulary of " + std::to_string(size_) +
                    " pieces in '" + model_path_ + "'");
  }
  return piece;
}

float Vocabulary::piece_score(int id) const {
  const Model& loaded = model();
  return loaded.api->piece_score(loaded.processor, id);
}

}  // namespace tlt::data
