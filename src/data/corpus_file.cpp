#include "data/corpus_file.h"

#include <array>
#include <cstring>

#include "tlt/util/error.h"
#include "tlt/util/file_io.h"

namespace tlt::data {

namespace {

constexpr std::array<char, 8> kMagic = {'T', 'L', 'T', 'C', 'O', 'R', 'P', 'S'};
constexpr size_t kHeaderSize = 48;
constexpr uint32_t kSplitCount = 3;

void append_u32(std::string& out, uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>((value >> shift) & 0xFF));
}

void append_u64(std::string& out, uint64_t value) {
  for (int shift = 0; shift < 64; shift += 8) out.push_back(static_cast<char>((value >> shift) & 0xFF));
}

uint32_t id_width(int vocab_size) { return vocab_size <= 65536 ? 2 : 4; }

void append_ids(std::string& out, const std::vector<std::vector<int32_t>>& sentences, uint32_t width) {
  for (const auto& sentence : sentences) {
    for (const int32_t id : sentence) {
      const auto value = static_cast<uint32_t>(id);
      for (uint32_t byte = 0; byte < width; ++byte) out.push_back(static_cast<char>((value >> (8 * byte)) & 0xFF));
    }
  }
}

void append_split(std::string& out, const ParallelCorpus& corpus, uint32_t width) {
  append_u64(out, static_cast<uint64_t>(corpus.size()));
  for (const auto& sentence : corpus.src) append_u32(out, static_cast<uint32_t>(sentence.size()));
  for (const auto& sentence : corpus.trg) append_u32(out, static_cast<uint32_t>(sentence.size()));
  append_ids(out, corpus.src, width);
  append_ids(out, corpus.trg, width);
}

// Reads little-endian integers from a byte range, throwing DataError when a read would pass its end.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  uint32_t u32() { return static_cast<uint32_t>(little_endian(4)); }
  uint32_t unsigned_of_width(uint32_t width) { return static_cast<uint32_t>(little_endian(width)); }
  uint64_t u64() { return little_endian(8); }
  size_t remaining() const { return bytes_.size() - position_; }

  // Throws unless `count` items of `item_size` bytes are left. Guards allocations against corrupt counts.
  void require(uint64_t count, size_t item_size) const {
    if (count > remaining() / item_size) throw DataError("the file ends early (truncated)");
  }

 private:
  uint64_t little_endian(size_t size) {
    require(1, size);
    uint64_t value = 0;
    for (size_t i = 0; i < size; ++i) {
      value |= static_cast<uint64_t>(static_cast<unsigned char>(bytes_[position_ + i])) << (8 * i);
    }
    position_ += size;
    return value;
  }

  std::string_view bytes_;
  size_t position_ = 0;
};

void read_sentences(Reader& reader, const std::vector<uint32_t>& lengths, int vocab_size, uint32_t width,
                    std::vector<std::vector<int32_t>>& sentences) {
  sentences.resize(lengths.size());
  for (size_t i = 0; i < lengths.size(); ++i) {
    reader.require(lengths[i], width);
    sentences[i].resize(lengths[i]);
    for (uint32_t k = 0; k < lengths[i]; ++k) {
      const auto id = static_cast<int32_t>(reader.unsigned_of_width(width));
      if (id < 0 || id >= vocab_size) {
        throw DataError("token id " + std::to_string(id) + " is outside the vocabulary of " +
                        std::to_string(vocab_size) + " pieces");
      }
      sentences[i][k] = id;
    }
  }
}

ParallelCorpus read_split(Reader& reader, int vocab_size, uint32_t width) {
  const uint64_t pair_count = reader.u64();
  reader.require(pair_count, 8);
  std::vector<uint32_t> src_lengths(pair_count);
  std::vector<uint32_t> trg_lengths(pair_count);
  for (auto& length : src_lengths) length = reader.u32();
  for (auto& length : trg_lengths) length = reader.u32();

  ParallelCorpus corpus;
  read_sentences(reader, src_lengths, vocab_size, width, corpus.src);
  read_sentences(reader, trg_lengths, vocab_size, width, corpus.trg);
  return corpus;
}

}  // namespace

std::string serialize_corpus(const EncodedSplits& splits, uint64_t model_hash, int vocab_size) {
  const uint32_t width = id_width(vocab_size);
  std::string payload;
  append_split(payload, splits.train, width);
  append_split(payload, splits.valid, width);
  append_split(payload, splits.test, width);

  std::string file(kMagic.data(), kMagic.size());
  append_u32(file, kCorpusFormatVersion);
  append_u32(file, kSplitCount);
  append_u64(file, payload.size());
  append_u64(file, fnv1a_64(payload));
  append_u64(file, model_hash);
  append_u32(file, static_cast<uint32_t>(vocab_size));
  append_u32(file, width);
  file += payload;
  return file;
}

EncodedSplits parse_corpus(std::string_view bytes, uint64_t model_hash, int vocab_size) {
  // Header: every field is checked before the payload is touched.
  if (bytes.size() < kHeaderSize) throw DataError("the file ends early (truncated)");
  if (std::memcmp(bytes.data(), kMagic.data(), kMagic.size()) != 0) {
    throw DataError("the file does not start with the magic bytes TLTCORPS");
  }
  Reader header(bytes.substr(kMagic.size(), kHeaderSize - kMagic.size()));
  const uint32_t version = header.u32();
  const uint32_t split_count = header.u32();
  const uint64_t payload_size = header.u64();
  const uint64_t payload_hash = header.u64();
  const uint64_t stored_model_hash = header.u64();
  const uint32_t stored_vocab_size = header.u32();
  const uint32_t width = header.u32();
  if (version != kCorpusFormatVersion) {
    throw DataError("format version " + std::to_string(version) + " is not the supported version " +
                    std::to_string(kCorpusFormatVersion));
  }
  if (split_count != kSplitCount)
    throw DataError("it contains " + std::to_string(split_count) + " splits instead of 3");
  if (payload_size != bytes.size() - kHeaderSize) {
    throw DataError("the payload is " + std::to_string(bytes.size() - kHeaderSize) + " bytes but the header gives " +
                    std::to_string(payload_size) + " (truncated or overwritten)");
  }
  const std::string_view payload = bytes.substr(kHeaderSize);
  if (fnv1a_64(payload) != payload_hash) throw DataError("the payload checksum does not match (corrupt)");
  if (stored_model_hash != model_hash || stored_vocab_size != static_cast<uint32_t>(vocab_size)) {
    throw DataError("it was encoded with another SentencePiece model than spm.model");
  }
  if (width != id_width(vocab_size)) {
    throw DataError("the id width is " + std::to_string(width) + " bytes instead of " +
                    std::to_string(id_width(vocab_size)));
  }

  // Payload.
  Reader reader(payload);
  EncodedSplits splits;
  splits.train = read_split(reader, vocab_size, width);
  splits.valid = read_split(reader, vocab_size, width);
  splits.test = read_split(reader, vocab_size, width);
  if (reader.remaining() != 0) {
    throw DataError(std::to_string(reader.remaining()) + " unexpected bytes follow the last split");
  }
  return splits;
}

}  // namespace tlt::data
