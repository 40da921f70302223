#include "tlt/train/metrics_table.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "tlt/util/error.h"
#include "tlt/util/file_io.h"

namespace tlt::train {

namespace {

std::string join(const std::vector<std::string>& values) {
  std::string line;
  for (size_t i = 0; i < values.size(); ++i) line += (i ? "," : "") + values[i];
  return line;
}

}  // namespace

std::string format_number(double value, int digits) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char text[64];
  std::snprintf(text, sizeof(text), "%.*g", digits, value);
  return text;
}

MetricsTable::MetricsTable(std::filesystem::path path, std::vector<std::string> columns)
    : path_(std::move(path)), columns_(std::move(columns)) {}

void MetricsTable::load_existing(int64_t max_epoch) {
  rows_.clear();
  if (!std::filesystem::exists(path_)) return;
  std::istringstream in(read_file(path_));
  std::string line;
  std::getline(in, line);
  // A table written before columns were added at the end is continued with those columns left empty.
  auto leading_header = [this](size_t count) {
    return join({columns_.begin(), columns_.begin() + static_cast<std::ptrdiff_t>(count)});
  };
  size_t present_columns = columns_.size();
  while (present_columns > 1 && line != leading_header(present_columns)) --present_columns;
  if (line != leading_header(present_columns)) {
    throw DataError("'" + path_.string() + "' has the header '" + line + "', expected '" + join(columns_) +
                    "'; it was written by another version of tlt or edited");
  }
  const size_t missing_columns = columns_.size() - present_columns;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const int64_t epoch = std::stoll(line.substr(0, line.find(',')));
    if (epoch <= max_epoch) rows_.push_back(line + std::string(missing_columns, ','));
  }
}

void MetricsTable::append(const std::vector<std::string>& values) {
  rows_.push_back(join(values));
  std::string text = join(columns_) + "\n";
  for (const std::string& row : rows_) text += row + "\n";
  write_file_atomic(path_, text);
}

}  // namespace tlt::train
