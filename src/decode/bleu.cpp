#include "tlt/decode/bleu.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <unordered_map>

#include "tlt/decode/tokenizer_13a.h"
#include "tlt/util/error.h"
#include "tlt/util/file_io.h"

namespace tlt::decode {

namespace {

/// Counts of every n-gram of orders 1..4, keyed by its tokens joined with single spaces. Tokens contain
/// no whitespace, so the key also determines the order.
using NgramCounts = std::unordered_map<std::string, int64_t>;

NgramCounts count_ngrams(const std::vector<std::string>& tokens) {
  NgramCounts counts;
  const auto length = static_cast<int64_t>(tokens.size());
  for (int64_t start = 0; start < length; ++start) {
    std::string key;
    for (int64_t order = 1; order <= kBleuMaxOrder && start + order <= length; ++order) {
      if (order > 1) key += ' ';
      key += tokens[static_cast<size_t>(start + order - 1)];
      ++counts[key];
    }
  }
  return counts;
}

int ngram_order(const std::string& key) { return 1 + static_cast<int>(std::count(key.begin(), key.end(), ' ')); }

std::vector<std::string> tokenize_words(std::string_view text) {
  return split_words(tokenize_13a(trim_trailing_whitespace(text)));
}

const char* smoothing_name(BleuSmoothing smoothing) {
  for (const auto& [name, value] : bleu_smoothing_names()) {
    if (value == smoothing) return name.c_str();
  }
  return "?";
}

}  // namespace

const std::vector<std::pair<std::string, BleuSmoothing>>& bleu_smoothing_names() {
  static const std::vector<std::pair<std::string, BleuSmoothing>> names = {{"none", BleuSmoothing::kNone},
                                                                           {"exp", BleuSmoothing::kExp}};
  return names;
}

BleuStatistics& BleuStatistics::operator+=(const BleuStatistics& other) {
  for (int n = 0; n < kBleuMaxOrder; ++n) {
    matches[static_cast<size_t>(n)] += other.matches[static_cast<size_t>(n)];
    totals[static_cast<size_t>(n)] += other.totals[static_cast<size_t>(n)];
  }
  hypothesis_length += other.hypothesis_length;
  reference_length += other.reference_length;
  return *this;
}

BleuStatistics sentence_statistics(std::string_view hypothesis, const std::vector<std::string_view>& references) {
  if (references.empty()) throw std::invalid_argument("sentence_statistics needs at least one reference");
  BleuStatistics statistics;
  const std::vector<std::string> hypothesis_tokens = tokenize_words(hypothesis);
  statistics.hypothesis_length = static_cast<int64_t>(hypothesis_tokens.size());

  // Clipping counts: the largest count of each n-gram in any one reference. The reference length is
  // the one closest to the hypothesis length, the shorter on a tie.
  NgramCounts max_reference_counts;
  int64_t closest_length = -1;
  for (const std::string_view reference : references) {
    const std::vector<std::string> reference_tokens = tokenize_words(reference);
    const auto length = static_cast<int64_t>(reference_tokens.size());
    const int64_t distance = std::llabs(length - statistics.hypothesis_length);
    const int64_t closest_distance = std::llabs(closest_length - statistics.hypothesis_length);
    if (closest_length < 0 || distance < closest_distance ||
        (distance == closest_distance && length < closest_length)) {
      closest_length = length;
    }
    for (const auto& [ngram, count] : count_ngrams(reference_tokens)) {
      int64_t& best = max_reference_counts[ngram];
      best = std::max(best, count);
    }
  }
  statistics.reference_length = closest_length;

  for (const auto& [ngram, count] : count_ngrams(hypothesis_tokens)) {
    const auto order_index = static_cast<size_t>(ngram_order(ngram) - 1);
    statistics.totals[order_index] += count;
    const auto found = max_reference_counts.find(ngram);
    if (found != max_reference_counts.end()) statistics.matches[order_index] += std::min(count, found->second);
  }
  return statistics;
}

BleuScore compute_bleu(const BleuStatistics& statistics, BleuSmoothing smoothing, int64_t n_references) {
  BleuScore result;
  result.statistics = statistics;
  result.smoothing = smoothing;
  result.n_references = n_references;

  // Modified precisions, Papineni et al. (2002), section 2.1. With "exp" smoothing the k-th order
  // without a match gets 1 / (2^k * total), as in mteval-v13a.pl. An order without any n-gram in
  // the hypotheses keeps precision 0, and so does every higher order.
  double exp_smoothing_divisor = 1.0;
  bool has_zero_precision = false;
  for (int n = 0; n < kBleuMaxOrder; ++n) {
    const auto index = static_cast<size_t>(n);
    const int64_t total = statistics.totals[index];
    const int64_t matched = statistics.matches[index];
    if (total == 0) {
      has_zero_precision = true;
      break;
    }
    if (matched > 0) {
      result.precisions[index] = 100.0 * static_cast<double>(matched) / static_cast<double>(total);
    } else if (smoothing == BleuSmoothing::kExp) {
      exp_smoothing_divisor *= 2.0;
      result.precisions[index] = 100.0 / (exp_smoothing_divisor * static_cast<double>(total));
    } else {
      has_zero_precision = true;
    }
  }

  // Brevity penalty, Papineni et al. (2002), section 2.2.3: exp(1 - r / c) for c < r.
  const auto hypothesis_length = static_cast<double>(statistics.hypothesis_length);
  const auto reference_length = static_cast<double>(statistics.reference_length);
  result.length_ratio = reference_length > 0 ? hypothesis_length / reference_length : 0.0;
  if (statistics.hypothesis_length >= statistics.reference_length) {
    result.brevity_penalty = 1.0;
  } else {
    result.brevity_penalty = hypothesis_length > 0 ? std::exp(1.0 - reference_length / hypothesis_length) : 0.0;
  }

  // Geometric mean of the precisions with uniform weights 1/4, in log space as sacreBLEU computes it.
  if (has_zero_precision) {
    result.score = 0.0;
  } else {
    double log_sum = 0.0;
    for (double precision : result.precisions) log_sum += std::log(precision);
    result.score = result.brevity_penalty * std::exp(log_sum / kBleuMaxOrder);
  }
  return result;
}

BleuScore corpus_bleu(const std::vector<std::string>& hypotheses,
                      const std::vector<std::vector<std::string>>& references, BleuSmoothing smoothing) {
  if (references.empty()) throw DataError("BLEU needs at least one reference stream, but none was given");
  for (size_t k = 0; k < references.size(); ++k) {
    if (references[k].size() != hypotheses.size()) {
      throw DataError("reference stream " + std::to_string(k + 1) + " has " + std::to_string(references[k].size()) +
                      " lines but there are " + std::to_string(hypotheses.size()) +
                      " hypotheses; BLEU needs one reference line per hypothesis line");
    }
  }

  BleuStatistics corpus;
  std::vector<std::string_view> sentence_references(references.size());
  for (size_t i = 0; i < hypotheses.size(); ++i) {
    for (size_t k = 0; k < references.size(); ++k) sentence_references[k] = references[k][i];
    corpus += sentence_statistics(hypotheses[i], sentence_references);
  }
  return compute_bleu(corpus, smoothing, static_cast<int64_t>(references.size()));
}

BleuScore corpus_bleu_of_files(const std::filesystem::path& hypothesis_path,
                               const std::vector<std::filesystem::path>& reference_paths, BleuSmoothing smoothing) {
  if (reference_paths.empty()) throw DataError("BLEU needs at least one reference file; pass --ref FILE");
  const std::vector<std::string> hypotheses = read_text_lines(hypothesis_path);
  if (hypotheses.empty()) {
    throw DataError("hypothesis file '" + hypothesis_path.string() + "' is empty; translate the source first");
  }
  std::vector<std::vector<std::string>> references;
  for (const auto& path : reference_paths) {
    references.push_back(read_text_lines(path));
    if (references.back().size() != hypotheses.size()) {
      throw DataError("reference file '" + path.string() + "' has " + std::to_string(references.back().size()) +
                      " lines but hypothesis file '" + hypothesis_path.string() + "' has " +
                      std::to_string(hypotheses.size()) +
                      "; BLEU pairs them line by line, so both must come from the same source file");
    }
  }
  return corpus_bleu(hypotheses, references, smoothing);
}

std::string format_bleu(const BleuScore& score) {
  const auto& p = score.precisions;
  char text[256];
  std::snprintf(text, sizeof(text),
                "BLEU = %.2f %.1f/%.1f/%.1f/%.1f (BP = %.3f ratio = %.3f hyp_len = %lld ref_len = %lld) | "
                "nrefs:%lld tok:13a smooth:%s",
                score.score, p[0], p[1], p[2], p[3], score.brevity_penalty, score.length_ratio,
                static_cast<long long>(score.statistics.hypothesis_length),
                static_cast<long long>(score.statistics.reference_length), static_cast<long long>(score.n_references),
                smoothing_name(score.smoothing));
  return text;
}

nlohmann::json bleu_to_json(const BleuScore& score) {
  nlohmann::json json;
  json["name"] = "BLEU";
  json["score"] = score.score;
  json["precisions"] = score.precisions;
  json["brevity_penalty"] = score.brevity_penalty;
  json["ratio"] = score.length_ratio;
  json["hyp_len"] = score.statistics.hypothesis_length;
  json["ref_len"] = score.statistics.reference_length;
  json["matches"] = score.statistics.matches;
  json["totals"] = score.statistics.totals;
  json["nrefs"] = score.n_references;
  json["tokenize"] = "13a";
  json["smooth"] = smoothing_name(score.smoothing);
  return json;
}

}  // namespace tlt::decode
