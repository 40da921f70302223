// A CSV file of per-epoch metrics that is rewritten atomically after each epoch, so an interrupted run
// never leaves a partial row, and a resumed run continues it without duplicates.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace tlt::train {

class MetricsTable {
 public:
  MetricsTable(std::filesystem::path path, std::vector<std::string> columns);

  /// Reads the rows of an existing file whose first column (the epoch) is at most `max_epoch`; rows of
  /// epochs that were not completed are dropped. Throws DataError if the header differs.
  void load_existing(int64_t max_epoch);

  /// Appends one row (values already formatted) and rewrites the file atomically.
  void append(const std::vector<std::string>& values);

 private:
  std::filesystem::path path_;
  std::vector<std::string> columns_;
  std::vector<std::string> rows_;
};

/// Formats a double with `digits` significant digits ("nan" and "inf" as such).
std::string format_number(double value, int digits = 6);

}  // namespace tlt::train
