#include "tlt/data/batching.h"

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <stdexcept>
#include <tuple>

#include "tlt/util/error.h"

namespace tlt::data {

namespace {

// SplitMix64 finaliser (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", 2014):
// spreads nearby seeds such as consecutive epochs over unrelated generator states.
uint64_t mix(uint64_t value) {
  value += 0x9E3779B97F4A7C15ULL;
  value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9ULL;
  value = (value ^ (value >> 27)) * 0x94D049BB133111EBULL;
  return value ^ (value >> 31);
}

// One generator per (seed, epoch, purpose). std::mt19937_64's output is fixed by the C++ standard, unlike
// the distributions and std::shuffle, so the draws below use only its raw output.
std::mt19937_64 make_generator(uint64_t seed, int64_t epoch, uint64_t purpose) {
  return std::mt19937_64(mix(mix(seed) ^ mix(static_cast<uint64_t>(epoch) + 0x1000 * purpose)));
}

// A uniform draw from [0, bound) without modulo bias: rejects the raw values below 2^64 mod bound.
uint64_t draw_below(std::mt19937_64& generator, uint64_t bound) {
  const uint64_t threshold = (0 - bound) % bound;
  while (true) {
    const uint64_t value = generator();
    if (value >= threshold) return value % bound;
  }
}

// Fisher-Yates shuffle with draw_below, identical on every standard library.
template <class T>
void shuffle_in_place(std::vector<T>& items, std::mt19937_64& generator) {
  for (size_t i = items.size(); i > 1; --i) {
    const auto j = static_cast<size_t>(draw_below(generator, i));
    std::swap(items[i - 1], items[j]);
  }
}

// Pair indices sorted by target length, then source length, then a random (shuffle) or index tie-breaker.
std::vector<int64_t> sort_by_length(const ParallelCorpus& corpus, uint64_t seed, int64_t epoch, bool shuffle) {
  const int64_t count = corpus.size();
  std::vector<uint64_t> tie_breakers(static_cast<size_t>(count));
  if (shuffle) {
    std::mt19937_64 generator = make_generator(seed, epoch, 0);
    for (uint64_t& value : tie_breakers) value = generator();
  } else {
    std::iota(tie_breakers.begin(), tie_breakers.end(), uint64_t{0});
  }

  std::vector<int64_t> order(static_cast<size_t>(count));
  std::iota(order.begin(), order.end(), int64_t{0});
  auto sort_key = [&](int64_t i) {
    return std::make_tuple(corpus.trg[i].size(), corpus.src[i].size(), tie_breakers[i], i);
  };
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return sort_key(a) < sort_key(b); });
  return order;
}

// Width T of the collated trg tensor for a target of `length` tokens: bos + tokens + eos.
int64_t target_width(size_t length) { return static_cast<int64_t>(length) + 2; }

std::vector<std::vector<int64_t>> cut_into_batches(const ParallelCorpus& corpus, const std::vector<int64_t>& order,
                                                   BatchUnit unit, int64_t batch_size) {
  std::vector<std::vector<int64_t>> batches;
  std::vector<int64_t> current;
  int64_t current_width = 0;
  for (const int64_t index : order) {
    bool full = false;
    if (unit == BatchUnit::kSentences) {
      full = static_cast<int64_t>(current.size()) >= batch_size;
    } else {
      // The order is sorted by target length, so the newest pair sets the batch's width T.
      const int64_t width = std::max(current_width, target_width(corpus.trg[index].size()));
      full = !current.empty() && (static_cast<int64_t>(current.size()) + 1) * width > batch_size;
    }
    if (full) {
      batches.push_back(std::move(current));
      current.clear();
      current_width = 0;
    }
    current.push_back(index);
    current_width = std::max(current_width, target_width(corpus.trg[index].size()));
  }
  if (!current.empty()) batches.push_back(std::move(current));
  return batches;
}

// Logs the share of padding in the src and trg tensors that collate would build for `batches`.
void log_padding(const ParallelCorpus& corpus, const std::vector<std::vector<int64_t>>& batches) {
  if (!spdlog::should_log(spdlog::level::debug)) return;
  int64_t src_real = 0, src_padded = 0, trg_real = 0, trg_padded = 0;
  for (const auto& batch : batches) {
    size_t src_longest = 0, trg_longest = 0;
    for (const int64_t index : batch) {
      src_longest = std::max(src_longest, corpus.src[index].size());
      trg_longest = std::max(trg_longest, corpus.trg[index].size());
      src_real += static_cast<int64_t>(corpus.src[index].size()) + 1;
      trg_real += target_width(corpus.trg[index].size());
    }
    const auto size = static_cast<int64_t>(batch.size());
    src_padded += size * (static_cast<int64_t>(src_longest) + 1);
    trg_padded += size * target_width(trg_longest);
  }
  auto padding_percent = [](int64_t real, int64_t padded) {
    return padded > 0 ? 100.0 * static_cast<double>(padded - real) / static_cast<double>(padded) : 0.0;
  };
  spdlog::debug("[data] {} batches of {} pairs; padding {:.1f}% of src tokens, {:.1f}% of trg tokens", batches.size(),
                corpus.size(), padding_percent(src_real, src_padded), padding_percent(trg_real, trg_padded));
}

}  // namespace

std::vector<std::vector<int64_t>> make_batches(const ParallelCorpus& corpus, BatchUnit unit, int64_t batch_size,
                                               uint64_t seed, int64_t epoch, bool shuffle) {
  if (batch_size < 1) {
    throw ConfigError("data.batch_size = " + std::to_string(batch_size) + " is invalid: expected >= 1");
  }
  if (corpus.src.size() != corpus.trg.size()) {
    throw std::invalid_argument("make_batches: the corpus has " + std::to_string(corpus.src.size()) + " source and " +
                                std::to_string(corpus.trg.size()) + " target sentences");
  }

  const std::vector<int64_t> order = sort_by_length(corpus, seed, epoch, shuffle);
  std::vector<std::vector<int64_t>> batches = cut_into_batches(corpus, order, unit, batch_size);
  if (shuffle) {
    std::mt19937_64 generator = make_generator(seed, epoch, 1);
    shuffle_in_place(batches, generator);
  }
  log_padding(corpus, batches);
  return batches;
}

Batch collate(const ParallelCorpus& corpus, const std::vector<int64_t>& indices, const Vocabulary& vocabulary) {
  if (indices.empty()) throw std::invalid_argument("collate: the index list is empty");
  size_t src_longest = 0, trg_longest = 0;
  for (const int64_t index : indices) {
    if (index < 0 || index >= corpus.size()) {
      throw std::invalid_argument("collate: index " + std::to_string(index) + " is outside the corpus of " +
                                  std::to_string(corpus.size()) + " pairs");
    }
    src_longest = std::max(src_longest, corpus.src[index].size());
    trg_longest = std::max(trg_longest, corpus.trg[index].size());
  }

  const auto batch = static_cast<int64_t>(indices.size());
  const auto src_width = static_cast<int64_t>(src_longest) + 1;
  const int64_t trg_width = target_width(trg_longest);
  Batch collated;
  collated.src = at::full({batch, src_width}, vocabulary.pad_id(), at::kLong);
  collated.trg = at::full({batch, trg_width}, vocabulary.pad_id(), at::kLong);
  int64_t* src = collated.src.data_ptr<int64_t>();
  int64_t* trg = collated.trg.data_ptr<int64_t>();

  for (int64_t row = 0; row < batch; ++row) {
    const auto& src_ids = corpus.src[indices[row]];
    const auto& trg_ids = corpus.trg[indices[row]];
    int64_t* src_row = src + row * src_width;
    int64_t* trg_row = trg + row * trg_width;

    std::copy(src_ids.begin(), src_ids.end(), src_row);
    src_row[src_ids.size()] = vocabulary.eos_id();
    trg_row[0] = vocabulary.bos_id();
    std::copy(trg_ids.begin(), trg_ids.end(), trg_row + 1);
    trg_row[trg_ids.size() + 1] = vocabulary.eos_id();

    collated.n_source_tokens += static_cast<int64_t>(src_ids.size()) + 1;
    collated.n_target_tokens += static_cast<int64_t>(trg_ids.size()) + 1;
  }
  return collated;
}

}  // namespace tlt::data
