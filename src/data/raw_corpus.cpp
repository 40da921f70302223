#include "data/raw_corpus.h"

#include <spdlog/spdlog.h>

#include "tlt/util/error.h"
#include "tlt/util/file_io.h"

namespace tlt::data {

namespace {

struct SplitSpec {
  const char* role;
  const std::string& name;
  int64_t max_pairs;  // 0 for every pair
};

std::vector<SplitSpec> split_specs(const DataOptions& options) {
  return {{"train", options.train_split, options.max_train_pairs},
          {"valid", options.valid_split, options.max_valid_pairs},
          {"test", options.test_split, 0}};
}

RawSplit read_split(const DataOptions& options, const SplitSpec& spec) {
  const fs::path src_path = raw_file_path(options, spec.name, options.src_lang);
  const fs::path trg_path = raw_file_path(options, spec.name, options.trg_lang);
  RawSplit split;
  split.description =
      (fs::path(options.dir) / (spec.name + ".{" + options.src_lang + "," + options.trg_lang + "}.gz")).string();
  split.src = read_text_lines(src_path);
  split.trg = read_text_lines(trg_path);

  if (split.src.size() != split.trg.size()) {
    throw DataError("the " + std::string(spec.role) + " split is not parallel: '" + src_path.string() + "' has " +
                    std::to_string(split.src.size()) + " lines but '" + trg_path.string() + "' has " +
                    std::to_string(split.trg.size()) +
                    "; both files need one sentence per line, in the same order. Fetch them again with "
                    "scripts/fetch_multi30k.sh");
  }
  if (split.src.empty()) {
    throw DataError("the " + std::string(spec.role) + " split " + split.description +
                    " contains no sentences; fetch the files again with scripts/fetch_multi30k.sh, or set data." +
                    spec.role + "_split to a split that has some");
  }

  const auto available = static_cast<int64_t>(split.src.size());
  if (spec.max_pairs > 0 && spec.max_pairs < available) {
    split.src.resize(static_cast<size_t>(spec.max_pairs));
    split.trg.resize(static_cast<size_t>(spec.max_pairs));
  } else if (spec.max_pairs > available) {
    spdlog::warn("[data] data.max_{}_pairs = {} exceeds the {} pairs of {}; using all of them", spec.role,
                 spec.max_pairs, available, split.description);
  }
  return split;
}

}  // namespace

fs::path raw_file_path(const DataOptions& options, const std::string& split, const std::string& lang) {
  return fs::path(options.dir) / (split + "." + lang + ".gz");
}

std::vector<RawFile> hash_raw_files(const DataOptions& options) {
  std::vector<RawFile> files;
  std::vector<std::string> missing;
  for (const SplitSpec& spec : split_specs(options)) {
    for (const auto& [side, lang] : {std::pair{"src", &options.src_lang}, std::pair{"trg", &options.trg_lang}}) {
      RawFile file;
      file.role = std::string(spec.role) + "." + side;
      file.path = raw_file_path(options, spec.name, *lang);
      if (!fs::exists(file.path)) missing.push_back(file.path.string());
      files.push_back(std::move(file));
    }
  }
  if (!missing.empty()) {
    std::string list;
    for (const std::string& path : missing) list += "\n  " + path;
    throw DataError("data file(s) not found:" + list + "\nrun 'scripts/fetch_multi30k.sh " + options.dir +
                    "' to download Multi30k, or set data.dir to the folder that contains these files");
  }

  for (RawFile& file : files) {
    const std::string bytes = read_file(file.path);
    file.size = bytes.size();
    file.hash = fnv1a_64(bytes);
  }
  return files;
}

RawSplits read_raw_splits(const DataOptions& options) {
  const std::vector<SplitSpec> specs = split_specs(options);
  RawSplits splits;
  splits.train = read_split(options, specs[0]);
  splits.valid = read_split(options, specs[1]);
  splits.test = read_split(options, specs[2]);
  return splits;
}

}  // namespace tlt::data
