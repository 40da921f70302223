#include "tlt/decode/translator.h"

#include <ATen/ATen.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <numeric>

#include "tlt/util/error.h"
#include "tlt/util/interrupt.h"
#include "tlt/util/progress.h"

namespace tlt::decode {

namespace {

/// Pads sources (piece ids without eos) into src [B, S] int64: tokens, eos, then pad, as data::collate
/// lays out a batch.
at::Tensor collate_sources(const std::vector<const std::vector<int>*>& sources, int64_t pad_idx) {
  size_t longest = 0;
  for (const auto* source : sources) longest = std::max(longest, source->size());
  const auto batch = static_cast<int64_t>(sources.size());
  at::Tensor src = at::full({batch, static_cast<int64_t>(longest) + 1}, pad_idx, at::kLong);
  auto values = src.accessor<int64_t, 2>();
  for (int64_t row = 0; row < batch; ++row) {
    const std::vector<int>& source = *sources[static_cast<size_t>(row)];
    for (size_t i = 0; i < source.size(); ++i) values[row][static_cast<int64_t>(i)] = source[i];
    values[row][static_cast<int64_t>(source.size())] = data::Vocabulary::kEosId;
  }
  return src;
}

bool is_blank(const std::string& line) {
  return std::all_of(line.begin(), line.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

}  // namespace

Translator::Translator(model::Transformer model, data::Vocabulary vocabulary)
    : model_(std::move(model)), vocabulary_(std::move(vocabulary)) {}

std::vector<TokenIds> Translator::translate_ids(const std::vector<std::vector<int>>& sources,
                                                const DecodeOptions& options, bool show_progress,
                                                const std::string& item_name) {
  // The encoder reads tokens + eos, which must fit the position table.
  const int64_t n_position = model_->options().n_position;
  for (size_t i = 0; i < sources.size(); ++i) {
    const auto length = static_cast<int64_t>(sources[i].size());
    if (length + 1 > n_position) {
      throw DataError(
          fmt::format("{} {} has {} pieces after SentencePiece encoding, but the model reads at most {} "
                      "(model.n_position = {} positions, one of them for eos); split it into shorter "
                      "sentences",
                      item_name, i + 1, length, n_position - 1, n_position));
    }
  }

  // Longest first, so that the batch that needs the most memory runs first and the ETA is pessimistic.
  std::vector<size_t> order(sources.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return sources[a].size() > sources[b].size(); });

  std::vector<TokenIds> outputs(sources.size());
  const auto total = static_cast<int64_t>(sources.size());
  Progress progress("translate", "sentence", total);
  const at::Device device = model_->decoder->trg_word_emb->weight.device();
  for (int64_t start = 0; start < total; start += options.batch_size) {
    throw_if_interrupted("translation");
    const int64_t end = std::min(total, start + options.batch_size);
    std::vector<const std::vector<int>*> batch;
    for (int64_t i = start; i < end; ++i) batch.push_back(&sources[order[static_cast<size_t>(i)]]);

    const at::Tensor src = collate_sources(batch, model_->options().pad_idx).to(device);
    std::vector<TokenIds> decoded = search(model_, src, options);
    for (int64_t i = start; i < end; ++i) {
      outputs[order[static_cast<size_t>(i)]] = std::move(decoded[static_cast<size_t>(i - start)]);
    }
    if (show_progress) {
      progress.update(end,
                      fmt::format("{:.1f} sent/s", static_cast<double>(end) / std::max(progress.elapsed_s(), 1e-9)));
    }
  }
  if (show_progress) progress.finish();
  return outputs;
}

std::vector<std::string> Translator::translate(const std::vector<std::string>& lines, const DecodeOptions& options,
                                               bool show_progress) {
  // Encode every line first, so that a line over the length limit fails before any decoding.
  std::vector<std::vector<int>> sources;
  std::vector<size_t> source_lines;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (is_blank(lines[i])) continue;
    std::vector<int> ids = vocabulary_.encode(lines[i]);
    if (ids.empty()) continue;
    const auto length = static_cast<int64_t>(ids.size());
    const int64_t n_position = model_->options().n_position;
    if (length + 1 > n_position) {
      throw DataError(
          fmt::format("input line {} has {} pieces after SentencePiece encoding, but the model reads at "
                      "most {} (model.n_position = {} positions, one of them for eos); split the line "
                      "into shorter sentences",
                      i + 1, length, n_position - 1, n_position));
    }
    sources.push_back(std::move(ids));
    source_lines.push_back(i);
  }

  const std::vector<TokenIds> decoded = translate_ids(sources, options, show_progress, "input line");
  std::vector<std::string> outputs(lines.size());
  for (size_t k = 0; k < decoded.size(); ++k) outputs[source_lines[k]] = vocabulary_.decode(decoded[k]);
  return outputs;
}

BleuScore evaluate_bleu(model::Transformer& model, const data::Vocabulary& vocabulary,
                        const data::ParallelCorpus& corpus, const DecodeOptions& options) {
  Translator translator(model, vocabulary);
  const std::vector<TokenIds> decoded = translator.translate_ids(corpus.src, options, false, "sentence");
  std::vector<std::string> hypotheses;
  std::vector<std::string> references;
  hypotheses.reserve(decoded.size());
  references.reserve(decoded.size());
  for (size_t i = 0; i < decoded.size(); ++i) {
    hypotheses.push_back(vocabulary.decode(decoded[i]));
    references.push_back(vocabulary.decode(std::vector<int>(corpus.trg[i].begin(), corpus.trg[i].end())));
  }
  return corpus_bleu(hypotheses, {references});
}

}  // namespace tlt::decode
