#include "tlt/data/prepared_data.h"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>

#include "data/corpus_file.h"
#include "data/raw_corpus.h"
#include "data/sentencepiece_library.h"
#include "data/sentencepiece_training.h"
#include "tlt/util/error.h"
#include "tlt/util/file_io.h"

namespace tlt::data {

namespace {

constexpr const char* kModelFile = "spm.model";
constexpr const char* kVocabFile = "spm.vocab";
constexpr const char* kCorpusFile = "corpus.bin";
constexpr const char* kDescriptionFile = "cache.json";

// Collects the range checks of bind() and the cross-field checks of validate(), so that a caller who
// fills DataOptions in code gets the same errors as one who loads a YAML file.
void check_options(const DataOptions& options) {
  std::vector<std::string> violations;
  auto require_at_least = [&](const char* key, int64_t value, int64_t minimum) {
    if (value < minimum) {
      violations.push_back(std::string(key) + " = " + std::to_string(value) +
                           " is invalid: expected >= " + std::to_string(minimum));
    }
  };
  require_at_least("data.max_train_pairs", options.max_train_pairs, 0);
  require_at_least("data.max_valid_pairs", options.max_valid_pairs, 0);
  require_at_least("data.vocab_size", options.vocab_size, 5);
  require_at_least("data.max_len", options.max_len, 1);
  require_at_least("data.batch_size", options.batch_size, 1);
  for (std::string& violation : validate(options)) violations.push_back(std::move(violation));
  if (violations.empty()) return;

  std::string message = "invalid data options:";
  for (const std::string& violation : violations) message += "\n  " + violation;
  throw ConfigError(message);
}

// The inputs that the cache key hashes. nlohmann::json sorts object keys, so dump() is canonical.
nlohmann::json describe_inputs(const DataOptions& options, const std::vector<RawFile>& files) {
  nlohmann::json described_files = nlohmann::json::array();
  for (const RawFile& file : files) {
    described_files.push_back({{"role", file.role},
                               {"name", file.path.filename().string()},
                               {"bytes", file.size},
                               {"fnv1a", to_hex(file.hash)}});
  }
  nlohmann::json flags = nlohmann::json::object();
  for (const auto& [key, value] : sentencepiece_trainer_flags(options.vocab_size)) flags[key] = value;

  return {{"format_version", kCorpusFormatVersion},
          {"files", described_files},
          {"src_lang", options.src_lang},
          {"trg_lang", options.trg_lang},
          {"train_split", options.train_split},
          {"valid_split", options.valid_split},
          {"test_split", options.test_split},
          {"max_train_pairs", options.max_train_pairs},
          {"max_valid_pairs", options.max_valid_pairs},
          {"vocab_size", options.vocab_size},
          {"sentencepiece_flags", flags},
          {"sentencepiece_seed", kSentencePieceSeed}};
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Loads CACHE/spm.model if it is present and fits the options. Warns and returns nothing if it is corrupt.
std::optional<Vocabulary> load_cached_vocabulary(const fs::path& folder, int vocab_size) {
  const fs::path path = folder / kModelFile;
  if (!fs::exists(path)) return std::nullopt;
  try {
    Vocabulary vocabulary = Vocabulary::load(path.string());
    if (vocabulary.size() != vocab_size) {
      throw DataError("it has " + std::to_string(vocabulary.size()) + " pieces instead of " +
                      std::to_string(vocab_size));
    }
    return vocabulary;
  } catch (const DataError& e) {
    spdlog::warn("[data] cached SentencePiece model '{}' is invalid ({}); training it again", path.string(), e.what());
    return std::nullopt;
  }
}

// Loads CACHE/corpus.bin if it is present and matches the model. Warns and returns nothing if it is corrupt.
std::optional<EncodedSplits> load_cached_corpus(const fs::path& folder, uint64_t model_hash, int vocab_size) {
  const fs::path path = folder / kCorpusFile;
  if (!fs::exists(path)) return std::nullopt;
  try {
    return parse_corpus(read_file(path), model_hash, vocab_size);
  } catch (const DataError& e) {
    spdlog::warn("[data] cached corpus '{}' is invalid ({}); encoding the corpus again", path.string(), e.what());
    return std::nullopt;
  }
}

Vocabulary train_vocabulary(const fs::path& folder, const RawSplits& raw, int vocab_size) {
  std::vector<std::string> sentences;
  sentences.reserve(raw.train.src.size() + raw.train.trg.size());
  sentences.insert(sentences.end(), raw.train.src.begin(), raw.train.src.end());
  sentences.insert(sentences.end(), raw.train.trg.begin(), raw.train.trg.end());

  spdlog::info("[data] training a SentencePiece BPE model of {} pieces on {} sentences", vocab_size, sentences.size());
  const auto start = std::chrono::steady_clock::now();
  const std::string model = train_sentencepiece_model(sentences, vocab_size, raw.train.description);
  spdlog::info("[data] trained the SentencePiece model in {:.1f} s", seconds_since(start));

  // Each file is renamed into place whole, so a process that races this one reads either no file or a
  // complete one, and both write the same bytes because training is deterministic.
  // NOTE: threads of one process share the temporary name PATH.tmp.PID of write_file_atomic, so two
  // prepare_data calls for the same cache folder must not run at the same time in one process.
  const fs::path model_path = folder / kModelFile;
  write_file_atomic(model_path, model);
  Vocabulary vocabulary = Vocabulary::load(model_path.string());
  write_file_atomic(folder / kVocabFile, format_vocab_file(vocabulary));
  return vocabulary;
}

ParallelCorpus encode_split(const Vocabulary& vocabulary, const RawSplit& raw) {
  ParallelCorpus corpus;
  corpus.src.reserve(raw.src.size());
  corpus.trg.reserve(raw.trg.size());
  for (size_t i = 0; i < raw.src.size(); ++i) {
    const std::vector<int> src = vocabulary.encode(raw.src[i]);
    const std::vector<int> trg = vocabulary.encode(raw.trg[i]);
    corpus.src.emplace_back(src.begin(), src.end());
    corpus.trg.emplace_back(trg.begin(), trg.end());
  }
  return corpus;
}

EncodedSplits encode_splits(const Vocabulary& vocabulary, const RawSplits& raw) {
  const auto start = std::chrono::steady_clock::now();
  EncodedSplits encoded;
  encoded.train = encode_split(vocabulary, raw.train);
  encoded.valid = encode_split(vocabulary, raw.valid);
  encoded.test = encode_split(vocabulary, raw.test);
  spdlog::info("[data] encoded {} sentence pairs in {:.1f} s",
               encoded.train.size() + encoded.valid.size() + encoded.test.size(), seconds_since(start));
  return encoded;
}

// Moves the pairs with both sides within max_len from `corpus` to `within_limit` and returns how many
// pairs were dropped.
int64_t keep_within_length(ParallelCorpus& corpus, int max_len, ParallelCorpus& within_limit) {
  const auto limit = static_cast<size_t>(max_len);
  int64_t dropped = 0;
  for (int64_t i = 0; i < corpus.size(); ++i) {
    if (corpus.src[i].size() > limit || corpus.trg[i].size() > limit) {
      ++dropped;
      continue;
    }
    within_limit.src.push_back(std::move(corpus.src[i]));
    within_limit.trg.push_back(std::move(corpus.trg[i]));
  }
  return dropped;
}

void write_cache_description(const fs::path& folder, const std::string& key, const nlohmann::json& inputs,
                             const EncodedSplits& encoded) {
  const nlohmann::json description = {
      {"key", key},
      {"inputs", inputs},
      {"pairs", {{"train", encoded.train.size()}, {"valid", encoded.valid.size()}, {"test", encoded.test.size()}}}};
  write_file_atomic(folder / kDescriptionFile, description.dump(2) + "\n");
}

void log_split(const char* name, const ParallelCorpus& corpus, int64_t dropped, int max_len) {
  const int64_t total = corpus.size() + dropped;
  spdlog::info("[data] {}: {} pairs, {} dropped with a side over max_len {} ({:.2f}%)", name, corpus.size(), dropped,
               max_len, total > 0 ? 100.0 * static_cast<double>(dropped) / static_cast<double>(total) : 0.0);
}

}  // namespace

PreparedData prepare_data(const DataOptions& options) {
  check_options(options);
  // Loads the SentencePiece module now, so that a missing module is reported as such rather than as an
  // unreadable cached model.
  sentencepiece_api();

  // Cache key: a hash of the raw bytes and of every setting that changes the model or the ids.
  const std::vector<RawFile> files = hash_raw_files(options);
  const nlohmann::json inputs = describe_inputs(options, files);
  PreparedData prepared;
  prepared.cache_key = to_hex(fnv1a_64(inputs.dump()));
  const fs::path folder = fs::path(options.cache_dir) / prepared.cache_key;
  prepared.cache_path = folder.string();

  // Vocabulary: the cached model, or one trained on both sides of the training split.
  std::optional<RawSplits> raw;
  std::optional<Vocabulary> vocabulary = load_cached_vocabulary(folder, options.vocab_size);
  prepared.vocab_cache_hit = vocabulary.has_value();
  if (!vocabulary) {
    spdlog::info("[data] cache miss: building '{}'", folder.string());
    raw = read_raw_splits(options);
    vocabulary = train_vocabulary(folder, *raw, options.vocab_size);
  } else if (!fs::exists(folder / kVocabFile)) {
    write_file_atomic(folder / kVocabFile, format_vocab_file(*vocabulary));
  }
  prepared.vocab = *vocabulary;
  const uint64_t model_hash = fnv1a_64(read_file(folder / kModelFile));

  // Encoded corpus: the cached one if it was encoded with this very model, else encoded now.
  std::optional<EncodedSplits> encoded = load_cached_corpus(folder, model_hash, options.vocab_size);
  prepared.corpus_cache_hit = encoded.has_value();
  if (!encoded) {
    if (prepared.vocab_cache_hit) {
      spdlog::info("[data] cache miss for the encoded corpus: encoding it into '{}'", folder.string());
    }
    if (!raw) raw = read_raw_splits(options);
    encoded = encode_splits(prepared.vocab, *raw);
    write_file_atomic(folder / kCorpusFile, serialize_corpus(*encoded, model_hash, options.vocab_size));
  }
  if (!prepared.vocab_cache_hit || !prepared.corpus_cache_hit || !fs::exists(folder / kDescriptionFile)) {
    write_cache_description(folder, prepared.cache_key, inputs, *encoded);
  }
  if (prepared.vocab_cache_hit && prepared.corpus_cache_hit) {
    spdlog::info("[data] cache hit: reusing the SentencePiece model and encoded corpus in '{}'", folder.string());
  }
  spdlog::info("[data] vocabulary: {} pieces (pad {}, bos {}, eos {}, unk {}) from '{}'", prepared.vocab.size(),
               Vocabulary::kPadId, Vocabulary::kBosId, Vocabulary::kEosId, Vocabulary::kUnkId,
               prepared.vocab.model_path());

  // Length filter: train and valid only, so that test results cover the whole test set.
  prepared.dropped_train = keep_within_length(encoded->train, options.max_len, prepared.train);
  prepared.dropped_valid = keep_within_length(encoded->valid, options.max_len, prepared.valid);
  prepared.test = std::move(encoded->test);
  log_split("train", prepared.train, prepared.dropped_train, options.max_len);
  log_split("valid", prepared.valid, prepared.dropped_valid, options.max_len);
  spdlog::info("[data] test: {} pairs, none dropped", prepared.test.size());
  if (prepared.train.size() == 0 || prepared.valid.size() == 0) {
    throw DataError("no " + std::string(prepared.train.size() == 0 ? "training" : "validation") +
                    " pair has both sides within data.max_len = " + std::to_string(options.max_len) +
                    " tokens; raise data.max_len");
  }
  return prepared;
}

}  // namespace tlt::data
