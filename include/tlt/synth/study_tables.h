// The CSV files of a synth-attn study folder: one per-epoch table per setting (<setting>.csv) and
// summary.csv, with one row per setting computed from those tables.
//
// Numbers are written with 9 significant digits ("%.9g"), enough to restore a float32 exactly. The
// summary is always computed from the table as written, so a study that skips completed settings on a
// restart writes the same summary bytes as one that ran them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tlt::synth {

/// One row of <setting>.csv. Epoch 0 evaluates the initial weights on both splits. For a later epoch,
/// train_loss and train_acc are the means over that epoch's minibatches, taken while the weights change.
struct EpochRecord {
  int64_t epoch = 0;
  double train_loss = 0.0;  ///< mean cross-entropy on the training split, in nats
  double train_acc = 0.0;   ///< accuracy on the training split, in [0, 1]
  double valid_loss = 0.0;  ///< mean cross-entropy on the validation split after the epoch
  double valid_acc = 0.0;   ///< accuracy on the validation split after the epoch
  double lr = 0.0;          ///< learning rate used during the epoch (the initial one at epoch 0)
  bool lr_reduced = false;  ///< whether ReduceLROnPlateau lowered the learning rate after this epoch
};

/// The header line of <setting>.csv, without "\n".
const std::string& epoch_table_header();

/// Formats the header and one line per record, each ending in "\n".
std::string format_epoch_table(const std::vector<EpochRecord>& records);

/// Parses text written by format_epoch_table. Throws DataError naming `path` and the line for another
/// header, a row without 7 fields, or a field that is not a number.
std::vector<EpochRecord> parse_epoch_table(const std::string& text, const std::string& path);

/// Returns true if `records` hold exactly the epochs 0, 1, ..., `epochs` in order.
bool is_complete_table(const std::vector<EpochRecord>& records, int epochs);

/// One row of summary.csv. Best values are taken over every epoch including epoch 0, ignoring NaN; a
/// tie goes to the earliest epoch.
struct SettingSummary {
  std::string setting;
  double best_valid_loss = 0.0;
  std::optional<int64_t> best_valid_loss_epoch;  ///< empty if every validation loss is NaN
  double best_valid_acc = 0.0;
  std::optional<int64_t> best_valid_acc_epoch;   ///< empty if every validation accuracy is NaN
  double final_valid_loss = 0.0;
  double final_valid_acc = 0.0;
  std::optional<int64_t> first_epoch_below_threshold;  ///< first epoch with valid_loss < threshold
  std::optional<double> wall_s;  ///< training and evaluation time; empty when a restart cannot recover it
};

/// Summarises the records of one setting. Throws std::invalid_argument for empty records.
SettingSummary summarize_setting(const std::string& setting, const std::vector<EpochRecord>& records,
                                 double valid_loss_threshold);

/// Formats summary.csv: the header and one line per summary; an empty optional is an empty field.
std::string format_summary_table(const std::vector<SettingSummary>& summaries);

/// Reads the wall_s column of an existing summary.csv by setting. A missing file or a file in another
/// format gives an empty map, because the times are only informative.
std::map<std::string, double> read_summary_wall_times(const std::filesystem::path& path);

}  // namespace tlt::synth
