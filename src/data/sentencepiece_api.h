// Plain C interface between tlt_core and the tlt_sentencepiece module.
//
// Debian 12's libsentencepiece.so embeds and exports its own copy of protobuf, and LibTorch loads
// libprotobuf.so.32. Linked into one process, the dynamic linker mixes the two copies and the process
// crashes during protobuf's static initialisation. So only the module links SentencePiece, and tlt_core
// loads it into a link namespace of its own (see sentencepiece_library.cpp). The module then has its own
// copies of libc and libstdc++, so only C types cross this boundary, and memory that the module allocates
// is freed by the module.
#pragma once

#include <stddef.h>
#include <stdint.h>

extern "C" {

/// Bumped whenever a function below changes. The loader rejects a module with another version.
#define TLT_SENTENCEPIECE_API_VERSION 1

/// Name of the one symbol that the module exports.
#define TLT_SENTENCEPIECE_API_SYMBOL "tlt_sentencepiece_api"

/// A loaded SentencePiece model (a sentencepiece::SentencePieceProcessor inside the module).
typedef struct TltSentencePieceProcessor TltSentencePieceProcessor;

/// Function table of the module. Functions that can fail return 0 on success and non-zero on failure.
/// After a failure, last_error() returns the message, valid until the next call on the same thread.
typedef struct TltSentencePieceApi {
  int version;

  /// Trains a model with SentencePieceTrainer::Train on `line_count` sentences (`lines[i]` has `line_sizes[i]`
  /// bytes) and `flag_count` key/value flags such as "vocab_size". `random_seed` seeds SentencePiece's
  /// generator first. On success *model_bytes is the serialised .model file, a buffer for free_buffer().
  int (*train)(const char* const* flag_keys, const char* const* flag_values, size_t flag_count,
               const char* const* lines, const size_t* line_sizes, size_t line_count, unsigned random_seed,
               char** model_bytes, size_t* model_size);

  /// Loads a model from the bytes of a .model file. Returns NULL on failure.
  TltSentencePieceProcessor* (*load)(const char* model_bytes, size_t size);

  /// Frees a processor from load(). NULL is allowed.
  void (*free_processor)(TltSentencePieceProcessor* processor);

  /// Encodes UTF-8 text into ids without bos or eos. On success *ids is a buffer for free_buffer().
  int (*encode)(const TltSentencePieceProcessor* processor, const char* text, size_t size, int32_t** ids,
                size_t* count);

  /// Decodes ids into UTF-8 text. On success *text is a NUL-terminated buffer for free_buffer().
  int (*decode)(const TltSentencePieceProcessor* processor, const int32_t* ids, size_t count, char** text,
                size_t* size);

  /// Number of pieces, including the special ones.
  int (*piece_count)(const TltSentencePieceProcessor* processor);

  /// Special ids of the model, or -1 where the model has none.
  int (*pad_id)(const TltSentencePieceProcessor* processor);
  int (*bos_id)(const TltSentencePieceProcessor* processor);
  int (*eos_id)(const TltSentencePieceProcessor* processor);
  int (*unk_id)(const TltSentencePieceProcessor* processor);

  /// The piece text of `id` (NUL-terminated, owned by the processor), or NULL if `id` is out of range.
  const char* (*id_to_piece)(const TltSentencePieceProcessor* processor, int id);

  /// The score of piece `id` (for BPE, minus its merge rank), or 0 if `id` is out of range.
  float (*piece_score)(const TltSentencePieceProcessor* processor, int id);

  /// Frees a buffer returned by train(), encode() or decode().
  void (*free_buffer)(void* buffer);

  /// Message of the latest failure on the calling thread.
  const char* (*last_error)(void);
} TltSentencePieceApi;

/// Signature of the exported symbol TLT_SENTENCEPIECE_API_SYMBOL.
typedef const TltSentencePieceApi* (*TltSentencePieceApiFunction)(void);

}  // extern "C"
