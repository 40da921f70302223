// Tests of scripts/fetch_multi30k.sh, run as a user runs it. The download path runs against a stand-in
// curl that serves the local copy, because tests have no network access.
#include <gtest/gtest.h>

#include "data/data_test_support.h"
#include "support/test_support.h"
#include "tlt/util/file_io.h"

namespace tlt::data {
namespace {

using testing::contains;
using tlt::testing::TempDir;

const std::vector<std::string> kFiles = {
    "train.de.gz", "train.en.gz", "val.de.gz", "val.en.gz", "test_2016_flickr.de.gz", "test_2016_flickr.en.gz"};

tlt::testing::CommandResult run_fetch(const std::string& arguments, const std::string& environment = "") {
  const fs::path script = tlt::testing::source_dir() / "scripts" / "fetch_multi30k.sh";
  return tlt::testing::run_command("env -u MULTI30K_SOURCE " + environment + " bash '" + script.string() + "' " +
                                   arguments);
}

void expect_same_files(const fs::path& copied, const fs::path& original) {
  for (const std::string& file : kFiles) {
    ASSERT_TRUE(fs::exists(copied / file)) << file;
    EXPECT_EQ(read_file(copied / file), read_file(original / file)) << file;
  }
}

TEST(FetchMulti30k, CopiesFromLocalFolder) {
  TempDir dir("fetch");
  const auto result =
      run_fetch("--from '" + tlt::testing::multi30k_dir().string() + "' '" + (dir / "out").string() + "'");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  expect_same_files(dir / "out", tlt::testing::multi30k_dir());
}

TEST(FetchMulti30k, SecondRunKeepsValidFiles) {
  TempDir dir("fetch");
  const std::string arguments =
      "--from '" + tlt::testing::multi30k_dir().string() + "' '" + (dir / "out").string() + "'";
  ASSERT_EQ(run_fetch(arguments).exit_code, 0);
  const auto second = run_fetch(arguments);
  EXPECT_EQ(second.exit_code, 0) << second.output;
  EXPECT_TRUE(contains(second.output, "train.de.gz: already present, kept")) << second.output;
  EXPECT_FALSE(contains(second.output, "copied")) << second.output;
}

TEST(FetchMulti30k, ReplacesInvalidFile) {
  TempDir dir("fetch");
  tlt::testing::write_text(dir / "out" / "val.en.gz", "truncated");
  const auto result =
      run_fetch("'" + (dir / "out").string() + "'", "MULTI30K_SOURCE='" + tlt::testing::multi30k_dir().string() + "'");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(contains(result.output, "val.en.gz: not a valid gzip file, fetching it again")) << result.output;
  expect_same_files(dir / "out", tlt::testing::multi30k_dir());
}

TEST(FetchMulti30k, MissingSourceFileFails) {
  TempDir dir("fetch");
  for (const std::string& file : kFiles) {
    if (file != "val.de.gz") fs::copy_file(tlt::testing::multi30k_dir() / file, dir / file);
  }
  const auto result = run_fetch("--from '" + dir.path().string() + "' '" + (dir / "out").string() + "'");
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_TRUE(contains(result.output, (dir / "val.de.gz").string() + "' not found")) << result.output;
  EXPECT_FALSE(fs::exists(dir / "out" / "val.de.gz"));
}

TEST(FetchMulti30k, NonGzipSourceFails) {
  TempDir dir("fetch");
  for (const std::string& file : kFiles) tlt::testing::write_text(dir / file, "plain text\n");
  const auto result = run_fetch("--from '" + dir.path().string() + "' '" + (dir / "out").string() + "'");
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_TRUE(contains(result.output, "is not a valid gzip file")) << result.output;
  EXPECT_FALSE(fs::exists(dir / "out" / "train.de.gz"));
}

TEST(FetchMulti30k, UnknownOptionPrintsUsage) {
  const auto result = run_fetch("--form x");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_TRUE(contains(result.output, "usage:")) << result.output;
}

TEST(FetchMulti30k, DownloadsFromMulti30kRepository) {
  TempDir dir("fetch");
  // A stand-in curl that records the URL and serves the file of that name from the local copy.
  const fs::path log = dir / "urls.txt";
  tlt::testing::write_text(dir / "bin" / "curl",
                           "#!/usr/bin/env bash\n"
                           "url=${@: -1}\n"
                           "while [[ $1 != --output ]]; do shift; done\n"
                           "echo \"$url\" >> '" +
                               log.string() +
                               "'\n"
                               "cp '" +
                               tlt::testing::multi30k_dir().string() + "'/\"${url##*/}\" \"$2\"\n");
  fs::permissions(dir / "bin" / "curl", fs::perms::owner_all);

  const auto result = run_fetch("'" + (dir / "out").string() + "'",
                                "PATH='" + (dir / "bin").string() + ":" + std::getenv("PATH") + "'");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  expect_same_files(dir / "out", tlt::testing::multi30k_dir());
  const std::vector<std::string> urls = read_text_lines(log);
  ASSERT_EQ(urls.size(), kFiles.size());
  EXPECT_EQ(urls[0], "https://raw.githubusercontent.com/multi30k/dataset/master/data/task1/raw/train.de.gz");
  EXPECT_EQ(urls[5], "https://raw.githubusercontent.com/multi30k/dataset/master/data/task1/raw/test_2016_flickr.en.gz");
}

}  // namespace
}  // namespace tlt::data
