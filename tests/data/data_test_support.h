// Helpers shared by the data layer's tests: a small slice of Multi30k and tiny synthetic corpora.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "tlt/data/data_options.h"
#include "tlt/data/prepared_data.h"

namespace tlt::data::testing {

namespace fs = std::filesystem;

/// Options for the first 2,000 training and 200 validation pairs of Multi30k (all 1,000 test pairs) with
/// a 500-piece vocabulary, cached under `cache_dir`.
DataOptions small_multi30k_options(const fs::path& cache_dir);

/// small_multi30k_options() prepared once per test process, in a cache folder of its own.
const PreparedData& small_multi30k();

/// Writes the six files SPLIT.{de,en}.gz of `pairs` synthetic sentence pairs (seeded, 3 to 8 words each)
/// under `dir` for the splits train, val and test_2016_flickr. Returns options that read them with a
/// vocabulary of 40 pieces, cached under dir/cache.
DataOptions write_synthetic_corpus(const fs::path& dir, int pairs);

/// Runs `action` and returns the message of the exception of type E that it throws. Fails the test if it
/// throws nothing.
template <class E>
std::string message_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception, none was thrown";
  return "";
}

/// Returns true if `text` contains `fragment`, for EXPECT_TRUE(contains(text, ...)) << text.
inline bool contains(const std::string& text, const std::string& fragment) {
  return text.find(fragment) != std::string::npos;
}

}  // namespace tlt::data::testing
