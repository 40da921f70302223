#include "decode/decode_test_support.h"

#include <unistd.h>

#include <torch/csrc/autograd/grad_mode.h>

#include "support/test_support.h"
#include "tlt/config/schema.h"
#include "tlt/data/prepared_data.h"
#include "tlt/model/parameters.h"
#include "tlt/model/transformer.h"
#include "tlt/util/file_io.h"
#include "tlt/util/state_dict.h"
#include "tlt/util/torch_compat.h"

namespace tlt::decode::testing {

namespace {

/// Writes SPLIT.de.gz and SPLIT.en.gz with `pairs` word-by-word translations of 2 to 7 words.
void write_split(const fs::path& dir, const std::string& split, int pairs, uint64_t seed) {
  const std::vector<std::string> german = {"zwei", "kinder", "spielen", "am",   "strand",
                                           "ein",  "alter",  "mann",    "liest"};
  const std::vector<std::string> english = {"two", "children", "play", "at", "beach", "an", "old", "man", "reads"};
  uint64_t state = seed;
  auto next = [&state](uint64_t bound) {
    state = state * 2862933555777941757ULL + 3037000493ULL;
    return (state >> 33) % bound;
  };
  std::vector<std::string> de_lines;
  std::vector<std::string> en_lines;
  for (int i = 0; i < pairs; ++i) {
    std::string de;
    std::string en;
    const uint64_t words = 2 + next(6);
    for (uint64_t w = 0; w < words; ++w) {
      const uint64_t word = next(german.size());
      de += (w ? " " : "") + german[word];
      en += (w ? " " : "") + english[word];
    }
    de_lines.push_back(de + ".");
    en_lines.push_back(en + ".");
  }
  tlt::testing::write_gzip_lines(dir / (split + ".de.gz"), de_lines);
  tlt::testing::write_gzip_lines(dir / (split + ".en.gz"), en_lines);
}

std::string run_config_yaml(data::DataOptions data_options, model::TransformerOptions model_options) {
  config::Schema schema;
  data::bind(schema, "data.", data_options);
  model::bind(schema, "model.", model_options);
  return schema.to_yaml();
}

TinyRun build_tiny_run() {
  TinyRun run;
  const fs::path root = fs::current_path() / "tmp" / ("decode_tiny_run." + std::to_string(::getpid()));
  fs::remove_all(root);
  write_split(root / "corpus", "train", 300, 1);
  write_split(root / "corpus", "val", 20, 2);
  write_split(root / "corpus", "test_2016_flickr", 20, 3);

  run.data.dir = (root / "corpus").string();
  run.data.cache_dir = (root / "cache").string();
  run.data.vocab_size = 40;
  const data::PreparedData prepared = data::prepare_data(run.data);
  run.vocab_size = prepared.vocab.size();
  run.source_lines = read_text_lines(root / "corpus" / "val.de.gz");

  run.model.d_model = 16;
  run.model.d_inner = 32;
  run.model.n_layers = 1;
  run.model.n_head = 2;
  run.model.d_k = 8;
  run.model.d_v = 8;
  run.model.n_position = 64;
  run.model.share_projection = false;

  run.dir = root / "run";
  run.checkpoint = run.dir / "best.pt";
  run.spm_model = run.dir / "spm.model";
  fs::create_directories(run.dir);
  write_file_atomic(run.spm_model, read_file(prepared.vocab.model_path()));
  write_file_atomic(run.dir / "config.yaml", run_config_yaml(run.data, run.model));
  write_random_checkpoint(run, run.checkpoint, run.vocab_size, 7);
  return run;
}

/// Removes the run folder when the test process ends.
struct TinyRunHolder {
  TinyRun run = build_tiny_run();
  ~TinyRunHolder() {
    std::error_code ignored;
    fs::remove_all(run.dir.parent_path(), ignored);
  }
};

}  // namespace

void write_random_checkpoint(const TinyRun& run, const fs::path& path, int64_t vocab_size, uint64_t seed) {
  compat::manual_seed(seed);
  model::Transformer model(run.model, vocab_size);
  {
    torch::NoGradGuard no_grad;
    model->trg_word_prj->weight.mul_(4.0);
  }
  save_state_dict(model::module_state(*model), path);
}

const TinyRun& tiny_run() {
  static const TinyRunHolder holder;
  return holder.run;
}

}  // namespace tlt::decode::testing
