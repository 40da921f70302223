// Corpus BLEU (Papineni et al. 2002) with sacreBLEU's default settings (Post 2018): the 13a tokenizer,
// n-grams of orders 1 to 4 with uniform weights, clipped counts summed over the corpus, the geometric
// mean of the four precisions and the brevity penalty BP = exp(1 - r / c) if c < r, else 1, where c is
// the hypothesis length and r the reference length, both in tokens over the whole corpus.
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tlt::decode {

/// The highest n-gram order of BLEU.
constexpr int kBleuMaxOrder = 4;

/// Treatment of an n-gram order without a match.
enum class BleuSmoothing {
  kNone,  ///< "none": its precision is 0, so the score is 0 (the definition of Papineni et al.)
  kExp,   ///< "exp": precision 1 / (2^k * total) for the k-th order without a match (mteval-v13a's smoothing)
};

/// The valid spellings of BleuSmoothing on the command line.
const std::vector<std::pair<std::string, BleuSmoothing>>& bleu_smoothing_names();

/// Sufficient statistics of BLEU; sums over sentences give the corpus statistics.
struct BleuStatistics {
  std::array<int64_t, kBleuMaxOrder> matches{};  ///< n-grams of the hypothesis found in a reference, clipped
  std::array<int64_t, kBleuMaxOrder> totals{};   ///< n-grams of the hypothesis, for n = 1..4
  int64_t hypothesis_length = 0;                 ///< c: hypothesis tokens
  int64_t reference_length = 0;                  ///< r: tokens of the reference closest in length

  BleuStatistics& operator+=(const BleuStatistics& other);
};

/// A BLEU score with the values it is made of.
struct BleuScore {
  double score = 0.0;                              ///< BLEU in [0, 100]
  std::array<double, kBleuMaxOrder> precisions{};  ///< modified n-gram precisions in percent, n = 1..4
  double brevity_penalty = 0.0;                    ///< BP in [0, 1]
  double length_ratio = 0.0;                       ///< c / r (0 when r is 0)
  BleuStatistics statistics;                       ///< the counts behind the score
  BleuSmoothing smoothing = BleuSmoothing::kNone;  ///< how orders without a match were treated
  int64_t n_references = 1;                        ///< references per sentence
};

/// Computes the statistics of one hypothesis against its references. Every text is raw (untokenized)
/// UTF-8, which this function trims of trailing whitespace and tokenizes with tokenize_13a. The count
/// of an n-gram is clipped by its largest count in any one reference. r is the reference length
/// closest to c, the shorter on a tie. Throws std::invalid_argument for an empty reference list.
BleuStatistics sentence_statistics(std::string_view hypothesis, const std::vector<std::string_view>& references);

/// BLEU from corpus statistics. A score with c = 0 or without any n-gram of some order is 0.
BleuScore compute_bleu(const BleuStatistics& statistics, BleuSmoothing smoothing = BleuSmoothing::kNone,
                       int64_t n_references = 1);

/// Corpus BLEU of `hypotheses` against reference streams: references[k][i] is the k-th reference of
/// sentence i, as with one reference file per k. Throws DataError if there is no reference stream or a
/// stream has a different number of lines than `hypotheses`.
BleuScore corpus_bleu(const std::vector<std::string>& hypotheses,
                      const std::vector<std::vector<std::string>>& references,
                      BleuSmoothing smoothing = BleuSmoothing::kNone);

/// Reads a hypothesis file and reference files (plain or gzip UTF-8, one sentence per line) and
/// returns their corpus BLEU. Throws DataError naming the file for a missing, unreadable or non-UTF-8
/// file, an empty hypothesis file, and line counts that differ.
BleuScore corpus_bleu_of_files(const std::filesystem::path& hypothesis_path,
                               const std::vector<std::filesystem::path>& reference_paths,
                               BleuSmoothing smoothing = BleuSmoothing::kNone);

/// One line in sacreBLEU's layout, for example
/// "BLEU = 34.21 65.3/40.1/27.0/18.2 (BP = 0.981 ratio = 0.981 hyp_len = 11200 ref_len = 11413)"
/// followed by " | nrefs:1 tok:13a smooth:none".
std::string format_bleu(const BleuScore& score);

/// The score as JSON: score, precisions, brevity_penalty, ratio, hyp_len, ref_len, matches, totals,
/// nrefs, tokenize and smooth.
nlohmann::json bleu_to_json(const BleuScore& score);

}  // namespace tlt::decode
