// Shared helpers for tlt's tests: paths to reference data, a temporary folder, tensor comparison and
// running the tlt executable as a user would.
#pragma once

#include <ATen/core/Tensor.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace tlt::testing {

namespace fs = std::filesystem;

/// The repository root.
fs::path source_dir();

/// The folder of shared reference data: $TLT_SHARED_DIR, else ../shared beside the repository.
fs::path shared_dir();

/// Multi30k raw files: $TLT_MULTI30K_DIR, else shared_dir()/data/multi30k.
fs::path multi30k_dir();

/// Path of the built tlt executable.
fs::path tlt_binary();

/// A fresh empty folder under the test work folder, removed at destruction unless TLT_KEEP_TEST_DIRS is set.
class TempDir {
 public:
  explicit TempDir(const std::string& name);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& child) const { return path_ / child; }

 private:
  fs::path path_;
};

/// Result of running a command: exit code and combined stdout/stderr.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};

/// Runs `arguments` (a shell-quoted string) with the tlt executable, in `work_dir`.
CommandResult run_tlt(const std::string& arguments, const fs::path& work_dir = fs::current_path());

/// Runs a shell command and captures its output.
CommandResult run_command(const std::string& command);

/// Writes `text` to `path`, creating folders.
void write_text(const fs::path& path, const std::string& text);

/// Reads a text file; fails the test if it is missing.
std::string read_text(const fs::path& path);

/// Writes `lines` gzip-compressed to `path`.
void write_gzip_lines(const fs::path& path, const std::vector<std::string>& lines);

/// Compares two tensors: same shape, then every element within `atol + rtol * |expected|`. The message
/// gives the shape or the first mismatching index with both values and the max abs difference.
::testing::AssertionResult tensors_close(const at::Tensor& actual, const at::Tensor& expected, double atol,
                                         double rtol = 0.0);

/// Exact equality of shape and every element.
::testing::AssertionResult tensors_equal(const at::Tensor& actual, const at::Tensor& expected);

}  // namespace tlt::testing
