#include "data/data_test_support.h"

#include <unistd.h>

#include "support/test_support.h"

namespace tlt::data::testing {

DataOptions small_multi30k_options(const fs::path& cache_dir) {
  DataOptions options;
  options.dir = tlt::testing::multi30k_dir().string();
  options.max_train_pairs = 2000;
  options.max_valid_pairs = 200;
  options.vocab_size = 500;
  options.cache_dir = cache_dir.string();
  return options;
}

namespace {

// A cache folder unique to this process, so that test processes run in parallel by ctest never share one.
struct ProcessCacheDir {
  fs::path path = fs::current_path() / "tmp" / ("data_small_multi30k." + std::to_string(::getpid()));
  ProcessCacheDir() { fs::remove_all(path); }
  ~ProcessCacheDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

}  // namespace

const PreparedData& small_multi30k() {
  static const ProcessCacheDir cache_dir;
  static const PreparedData prepared = prepare_data(small_multi30k_options(cache_dir.path));
  return prepared;
}

DataOptions write_synthetic_corpus(const fs::path& dir, int pairs) {
  const std::vector<std::string> german = {"ein",  "mann", "hund", "läuft", "im",
                                           "park", "eine", "frau", "sitzt", "auf"};
  const std::vector<std::string> english = {"a", "man", "dog", "runs", "in", "the", "park", "woman", "sits", "on"};
  uint64_t state = 12345;
  auto next = [&state](uint64_t bound) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % bound;
  };

  for (const std::string split : {"train", "val", "test_2016_flickr"}) {
    std::vector<std::string> de_lines, en_lines;
    for (int i = 0; i < pairs; ++i) {
      std::string de, en;
      const uint64_t words = 3 + next(6);
      for (uint64_t w = 0; w < words; ++w) {
        const uint64_t word = next(german.size());
        de += (w ? " " : "") + german[word];
        en += (w ? " " : "") + english[word];
      }
      de_lines.push_back(de);
      en_lines.push_back(en);
    }
    tlt::testing::write_gzip_lines(dir / (split + ".de.gz"), de_lines);
    tlt::testing::write_gzip_lines(dir / (split + ".en.gz"), en_lines);
  }

  DataOptions options;
  options.dir = dir.string();
  options.vocab_size = 40;
  options.cache_dir = (dir / "cache").string();
  return options;
}

}  // namespace tlt::data::testing
