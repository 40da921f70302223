#include "support/test_support.h"

#include <ATen/ATen.h>
#include <zlib.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace tlt::testing {

fs::path source_dir() { return TLT_SOURCE_DIR; }

fs::path shared_dir() {
  if (const char* dir = std::getenv("TLT_SHARED_DIR")) return dir;
  return source_dir().parent_path() / "shared";
}

fs::path multi30k_dir() {
  if (const char* dir = std::getenv("TLT_MULTI30K_DIR")) return dir;
  return shared_dir() / "data" / "multi30k";
}

fs::path tlt_binary() { return TLT_BINARY; }

TempDir::TempDir(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string unique = name;
  if (info) unique = std::string(info->test_suite_name()) + "." + info->name() + "." + name;
  path_ = fs::current_path() / "tmp" / unique;
  fs::remove_all(path_);
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  if (std::getenv("TLT_KEEP_TEST_DIRS")) return;
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer{};
  while (size_t count = std::fread(buffer.data(), 1, buffer.size(), pipe)) result.output.append(buffer.data(), count);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

CommandResult run_tlt(const std::string& arguments, const fs::path& work_dir) {
  return run_command("cd '" + work_dir.string() + "' && '" + tlt_binary().string() + "' " + arguments +
                     " </dev/null");
}

void write_text(const fs::path& path, const std::string& text) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_gzip_lines(const fs::path& path, const std::vector<std::string>& lines) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr) << "cannot write " << path;
  for (const auto& line : lines) {
    gzwrite(file, line.data(), static_cast<unsigned>(line.size()));
    gzwrite(file, "\n", 1);
  }
  gzclose(file);
}

::testing::AssertionResult tensors_close(const at::Tensor& actual, const at::Tensor& expected, double atol,
                                         double rtol) {
  if (actual.sizes() != expected.sizes()) {
    return ::testing::AssertionFailure() << "shape " << actual.sizes() << " != expected " << expected.sizes();
  }
  const at::Tensor a = actual.detach().to(at::kDouble).flatten().contiguous();
  const at::Tensor e = expected.detach().to(at::kDouble).flatten().contiguous();
  const at::Tensor difference = (a - e).abs();
  const at::Tensor allowed = atol + rtol * e.abs();
  const at::Tensor bad = (difference > allowed) | (a.isnan() != e.isnan());
  if (!bad.any().item<bool>()) return ::testing::AssertionSuccess();
  const int64_t index = bad.nonzero()[0][0].item<int64_t>();
  return ::testing::AssertionFailure() << "first mismatch at flat index " << index << ": actual "
                                       << a[index].item<double>() << ", expected " << e[index].item<double>()
                                       << "; max abs difference " << difference.max().item<double>()
                                       << " (atol " << atol << ", rtol " << rtol << ")";
}

::testing::AssertionResult tensors_equal(const at::Tensor& actual, const at::Tensor& expected) {
  return tensors_close(actual, expected, 0.0, 0.0);
}

}  // namespace tlt::testing
