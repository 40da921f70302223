#include "tlt/synth/study_tables.h"

#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "tlt/util/error.h"
#include "tlt/util/file_io.h"

namespace tlt::synth {

namespace {

const std::string& summary_header() {
  static const std::string header =
      "setting,best_valid_loss,best_valid_loss_epoch,best_valid_acc,best_valid_acc_epoch,final_valid_loss,"
      "final_valid_acc,first_epoch_below_threshold,wall_s";
  return header;
}

std::string format_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char text[64];
  std::snprintf(text, sizeof(text), "%.9g", value);
  return text;
}

std::string format_optional(const std::optional<int64_t>& value) {
  return value ? std::to_string(*value) : std::string();
}

std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> fields;
  std::istringstream in(line);
  std::string field;
  while (std::getline(in, field, ',')) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.emplace_back();
  return fields;
}

// Parses a whole field as a number; std::stod alone would accept "1.5abc".
bool parse_number(const std::string& text, double& value) {
  if (text.empty()) return false;
  size_t used = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    return false;
  }
  return used == text.size();
}

}  // namespace

const std::string& epoch_table_header() {
  static const std::string header = "epoch,train_loss,train_acc,valid_loss,valid_acc,lr,lr_reduced";
  return header;
}

std::string format_epoch_table(const std::vector<EpochRecord>& records) {
  std::string text = epoch_table_header() + "\n";
  for (const EpochRecord& record : records) {
    text += std::to_string(record.epoch) + "," + format_number(record.train_loss) + "," +
            format_number(record.train_acc) + "," + format_number(record.valid_loss) + "," +
            format_number(record.valid_acc) + "," + format_number(record.lr) + "," + (record.lr_reduced ? "1" : "0") +
            "\n";
  }
  return text;
}

std::vector<EpochRecord> parse_epoch_table(const std::string& text, const std::string& path) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != epoch_table_header()) {
    throw DataError("'" + path + "' has the header '" + line + "', expected '" + epoch_table_header() +
                    "'; it was edited or written by another program; delete it to rerun the setting");
  }
  std::vector<EpochRecord> records;
  int64_t line_number = 1;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty()) continue;
    const std::vector<std::string> fields = split_fields(line);
    std::vector<double> values(fields.size());
    bool valid = fields.size() == 7;
    for (size_t i = 0; valid && i < fields.size(); ++i) valid = parse_number(fields[i], values[i]);
    if (!valid) {
      throw DataError("'" + path + "' line " + std::to_string(line_number) + " is not 7 comma-separated numbers: '" +
                      line + "'; delete the file to rerun the setting");
    }
    EpochRecord record;
    record.epoch = static_cast<int64_t>(values[0]);
    record.train_loss = values[1];
    record.train_acc = values[2];
    record.valid_loss = values[3];
    record.valid_acc = values[4];
    record.lr = values[5];
    record.lr_reduced = values[6] != 0.0;
    records.push_back(record);
  }
  return records;
}

bool is_complete_table(const std::vector<EpochRecord>& records, int epochs) {
  if (records.size() != static_cast<size_t>(epochs) + 1) return false;
  for (size_t i = 0; i < records.size(); ++i) {
    if (records[i].epoch != static_cast<int64_t>(i)) return false;
  }
  return true;
}

SettingSummary summarize_setting(const std::string& setting, const std::vector<EpochRecord>& records,
                                 double valid_loss_threshold) {
  if (records.empty()) throw std::invalid_argument("summarize_setting: no records for setting " + setting);
  SettingSummary summary;
  summary.setting = setting;
  summary.best_valid_loss = NAN;
  summary.best_valid_acc = NAN;
  for (const EpochRecord& record : records) {
    if (!std::isnan(record.valid_loss) && (!summary.best_valid_loss_epoch || record.valid_loss < summary.best_valid_loss)) {
      summary.best_valid_loss = record.valid_loss;
      summary.best_valid_loss_epoch = record.epoch;
    }
    if (!std::isnan(record.valid_acc) && (!summary.best_valid_acc_epoch || record.valid_acc > summary.best_valid_acc)) {
      summary.best_valid_acc = record.valid_acc;
      summary.best_valid_acc_epoch = record.epoch;
    }
    if (!summary.first_epoch_below_threshold && record.valid_loss < valid_loss_threshold) {
      summary.first_epoch_below_threshold = record.epoch;
    }
  }
  summary.final_valid_loss = records.back().valid_loss;
  summary.final_valid_acc = records.back().valid_acc;
  return summary;
}

std::string format_summary_table(const std::vector<SettingSummary>& summaries) {
  std::string text = summary_header() + "\n";
  for (const SettingSummary& summary : summaries) {
    char wall[32] = "";
    if (summary.wall_s) std::snprintf(wall, sizeof(wall), "%.1f", *summary.wall_s);
    text += summary.setting + "," + format_number(summary.best_valid_loss) + "," +
            format_optional(summary.best_valid_loss_epoch) + "," + format_number(summary.best_valid_acc) + "," +
            format_optional(summary.best_valid_acc_epoch) + "," + format_number(summary.final_valid_loss) + "," +
            format_number(summary.final_valid_acc) + "," + format_optional(summary.first_epoch_below_threshold) +
            "," + wall + "\n";
  }
  return text;
}

std::map<std::string, double> read_summary_wall_times(const std::filesystem::path& path) {
  std::map<std::string, double> wall_times;
  if (!std::filesystem::exists(path)) return wall_times;
  std::istringstream in(read_file(path));
  std::string line;
  if (!std::getline(in, line) || line != summary_header()) return wall_times;
  while (std::getline(in, line)) {
    const std::vector<std::string> fields = split_fields(line);
    double wall_s = 0.0;
    if (fields.size() == 9 && parse_number(fields[8], wall_s)) wall_times[fields[0]] = wall_s;
  }
  return wall_times;
}

}  // namespace tlt::synth
