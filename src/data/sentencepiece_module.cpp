// The tlt_sentencepiece module: the only code that links SentencePiece. tlt_core loads it at run time into
// a link namespace of its own (see sentencepiece_api.h for why) and calls it through the table below.
//
// No exception may cross the C boundary, so every entry point catches and stores the message.

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "data/sentencepiece_api.h"

struct TltSentencePieceProcessor {
  sentencepiece::SentencePieceProcessor processor;
};

namespace {

thread_local std::string last_error_text;

int fail(const std::string& message) {
  last_error_text = message;
  return 1;
}

// Feeds the caller's sentences to the trainer without a temporary file, so that no path ends up in the
// model's TrainerSpec and two trainings on the same sentences give byte-identical models.
class LineIterator : public sentencepiece::SentenceIterator {
 public:
  LineIterator(const char* const* lines, const size_t* line_sizes, size_t line_count)
      : lines_(lines), line_sizes_(line_sizes), line_count_(line_count) {
    load_current();
  }
  bool done() const override { return index_ >= line_count_; }
  void Next() override {
    ++index_;
    load_current();
  }
  const std::string& value() const override { return current_; }
  // A default-constructed Status is OK: the lines are already in memory, so reading cannot fail.
  sentencepiece::util::Status status() const override { return sentencepiece::util::Status(); }

 private:
  void load_current() {
    if (!done()) current_.assign(lines_[index_], line_sizes_[index_]);
  }

  const char* const* lines_;
  const size_t* line_sizes_;
  size_t line_count_;
  size_t index_ = 0;
  std::string current_;
};

int copy_to_buffer(const std::string& bytes, char** buffer, size_t* size) {
  // One extra byte: malloc(0) may return NULL, and text buffers are NUL-terminated.
  auto* copy = static_cast<char*>(std::malloc(bytes.size() + 1));
  if (copy == nullptr) return fail("out of memory");
  std::memcpy(copy, bytes.data(), bytes.size());
  copy[bytes.size()] = '\0';
  *buffer = copy;
  *size = bytes.size();
  return 0;
}

int train(const char* const* flag_keys, const char* const* flag_values, size_t flag_count, const char* const* lines,
          const size_t* line_sizes, size_t line_count, unsigned random_seed, char** model_bytes, size_t* model_size) {
  try {
    std::unordered_map<std::string, std::string> flags;
    for (size_t i = 0; i < flag_count; ++i) flags[flag_keys[i]] = flag_values[i];
    sentencepiece::SetRandomGeneratorSeed(random_seed);
    LineIterator iterator(lines, line_sizes, line_count);
    std::string serialized;
    const auto status = sentencepiece::SentencePieceTrainer::Train(flags, &iterator, &serialized);
    if (!status.ok()) return fail(status.error_message());
    return copy_to_buffer(serialized, model_bytes, model_size);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

TltSentencePieceProcessor* load(const char* model_bytes, size_t size) {
  try {
    auto loaded = std::make_unique<TltSentencePieceProcessor>();
    const auto status = loaded->processor.LoadFromSerializedProto(std::string(model_bytes, size));
    if (!status.ok()) {
      fail(status.error_message());
      return nullptr;
    }
    return loaded.release();
  } catch (const std::exception& e) {
    fail(e.what());
    return nullptr;
  }
}

void free_processor(TltSentencePieceProcessor* processor) { delete processor; }

int encode(const TltSentencePieceProcessor* processor, const char* text, size_t size, int32_t** ids, size_t* count) {
  try {
    std::vector<int> encoded;
    const auto status = processor->processor.Encode(std::string(text, size), &encoded);
    if (!status.ok()) return fail(status.error_message());
    // malloc(0) may return NULL, which the caller would mistake for a failure.
    auto* buffer = static_cast<int32_t*>(std::malloc(sizeof(int32_t) * (encoded.size() + 1)));
    if (buffer == nullptr) return fail("out of memory");
    for (size_t i = 0; i < encoded.size(); ++i) buffer[i] = static_cast<int32_t>(encoded[i]);
    *ids = buffer;
    *count = encoded.size();
    return 0;
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

int decode(const TltSentencePieceProcessor* processor, const int32_t* ids, size_t count, char** text, size_t* size) {
  try {
    const std::vector<int> pieces(ids, ids + count);
    std::string decoded;
    const auto status = processor->processor.Decode(pieces, &decoded);
    if (!status.ok()) return fail(status.error_message());
    return copy_to_buffer(decoded, text, size);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

int piece_count(const TltSentencePieceProcessor* processor) { return processor->processor.GetPieceSize(); }
int pad_id(const TltSentencePieceProcessor* processor) { return processor->processor.pad_id(); }
int bos_id(const TltSentencePieceProcessor* processor) { return processor->processor.bos_id(); }
int eos_id(const TltSentencePieceProcessor* processor) { return processor->processor.eos_id(); }
int unk_id(const TltSentencePieceProcessor* processor) { return processor->processor.unk_id(); }

const char* id_to_piece(const TltSentencePieceProcessor* processor, int id) {
  if (id < 0 || id >= processor->processor.GetPieceSize()) return nullptr;
  return processor->processor.IdToPiece(id).c_str();
}

float piece_score(const TltSentencePieceProcessor* processor, int id) {
  if (id < 0 || id >= processor->processor.GetPieceSize()) return 0.0f;
  return processor->processor.GetScore(id);
}

void free_buffer(void* buffer) { std::free(buffer); }

const char* last_error() { return last_error_text.c_str(); }

const TltSentencePieceApi kApi = {
    TLT_SENTENCEPIECE_API_VERSION,
    train,
    load,
    free_processor,
    encode,
    decode,
    piece_count,
    pad_id,
    bos_id,
    eos_id,
    unk_id,
    id_to_piece,
    piece_score,
    free_buffer,
    last_error,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const TltSentencePieceApi* tlt_sentencepiece_api() { return &kApi; }
